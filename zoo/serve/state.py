"""What one server process holds: its settings, models, batchers and metrics.

Example:
    >>> server = Server(ServeConfig(models=["yolo-fastest-xl-coco"]))  # doctest: +SKIP
    >>> await server.start()                                           # doctest: +SKIP
"""

from __future__ import annotations

import asyncio

from zoo.serve.batcher import Batcher
from zoo.serve.config import ServeConfig
from zoo.serve.errors import UserError
from zoo.serve.metrics import Metrics


class Server:
    """The models by name and a batcher for each; ``ready`` once all are loaded."""

    def __init__(self, config: ServeConfig, models: dict | None = None):
        self.config = config
        self.metrics = Metrics()
        self.models: dict = dict(models or {})
        self.batchers: dict[str, Batcher] = {}
        self.ready = False

    async def start(self) -> None:
        from zoo.serve.served import load_served

        for name in self.config.models:
            if name not in self.models:
                self.models[name] = await asyncio.to_thread(load_served, name, self.config.threads)
        for name, served in self.models.items():
            batcher = Batcher(
                name,
                served.run,
                max_batch=self.config.max_batch,
                max_wait_s=self.config.max_wait_ms / 1000,
                max_queue=self.config.max_queue,
                metrics=self.metrics,
            )
            batcher.start()
            self.batchers[name] = batcher
            self.metrics.queue_depth.labels(model=name).set(0)
        self.ready = True

    def drain(self) -> None:
        """Run what waits for a batch at once and take no new request (SIGTERM)."""
        self.ready = False
        for batcher in self.batchers.values():
            batcher.drain()

    async def stop(self) -> None:
        """Finish what is queued, then stop the batchers (after uvicorn has let in-flight
        requests finish on SIGTERM)."""
        self.ready = False
        await asyncio.gather(*(b.stop() for b in self.batchers.values()))

    def model(self, name: str, task: str | None = None):
        """The served model ``name`` (404 when there is none, 400 when it does another task)."""
        served = self.models.get(name)
        if served is None:
            known = ", ".join(self.models) or "none"
            raise UserError(404, f"no model named {name!r} here (served: {known})")
        if task is not None and served.task != task:
            raise UserError(400, f"{name} is a {served.task} model, not a {task} model")
        return served

    def first(self, task: str):
        """The first served model of ``task`` (404 when none)."""
        for served in self.models.values():
            if served.task == task:
                return served
        raise UserError(404, f"no {task} model is served here")

    async def run(self, served, inputs: list, settings: tuple) -> list:
        return await self.batchers[served.name].submit(inputs, settings, self.config.timeout_s)
