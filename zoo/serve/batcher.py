"""Dynamic batching, as Triton's dynamic batcher does: requests to one model that arrive
within ``max_wait`` of the first waiting one are run together, up to ``max_batch`` items
(images or sentences). At most ``max_queue`` requests wait; one more is refused with 503 and
``Retry-After``. Each model runs in one thread of its own, so the event loop keeps answering.

Example:
    >>> batcher = Batcher("m", run, max_batch=8, max_wait_s=0.01, max_queue=64)  # doctest: +SKIP
    >>> await batcher.submit(images, settings=(("conf", 0.25),), timeout=60)   # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from zoo.serve.errors import UserError


@dataclasses.dataclass(eq=False)
class Item:
    """One request's inputs, the settings they run with and the future of its results."""

    inputs: list
    settings: tuple
    future: asyncio.Future
    arrival: float

    @property
    def size(self) -> int:
        return max(len(self.inputs), 1)


def group_runs(batch: list[Item], run: Callable[[list, dict], list]) -> list[list]:
    """Run a gathered batch: one call per distinct settings, each item's slice of results."""
    results: list[list] = [[] for _ in batch]
    by_settings: dict[tuple, list[int]] = {}
    for i, item in enumerate(batch):
        by_settings.setdefault(item.settings, []).append(i)
    for settings, members in by_settings.items():
        inputs = [x for i in members for x in batch[i].inputs]
        outputs = run(inputs, dict(settings)) if inputs else []
        start = 0
        for i in members:
            results[i] = outputs[start : start + len(batch[i].inputs)]
            start += len(batch[i].inputs)
    return results


class Batcher:
    """The queue and batch loop of one model; ``run(inputs, settings) -> outputs``."""

    def __init__(
        self,
        name: str,
        run: Callable[[list, dict], list],
        max_batch: int = 8,
        max_wait_s: float = 0.01,
        max_queue: int = 64,
        metrics=None,
    ):
        self.name, self.run = name, run
        self.max_batch, self.max_wait_s, self.max_queue = max_batch, max_wait_s, max_queue
        self.metrics = metrics
        self._items: collections.deque[Item] = collections.deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"zoo-{name}")

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    def drain(self) -> None:
        """Run what is queued at once (no more waiting for a batch to fill); refuse new
        requests with 503."""
        self._closing = True
        self._wake.set()

    async def stop(self) -> None:
        """Run what is still queued at once, then end the loop and the model's thread."""
        self.drain()
        if self._task is not None:
            await self._task
        self._executor.shutdown(wait=True)

    @property
    def depth(self) -> int:
        return len(self._items)

    def _gauge(self) -> None:
        if self.metrics is not None:
            self.metrics.queue_depth.labels(model=self.name).set(len(self._items))

    async def submit(self, inputs: list, settings: tuple = (), timeout: float = 60.0) -> list:
        """The outputs of ``inputs`` (one per input), run in some batch; 503 when the queue is
        full, 504 after ``timeout`` seconds."""
        if self._closing:
            raise UserError(503, "the server is shutting down", {"Retry-After": "1"})
        if len(self._items) >= self.max_queue:
            if self.metrics is not None:
                self.metrics.rejected.labels(model=self.name).inc()
            retry = max(1, math.ceil(self.max_wait_s * 4))
            raise UserError(
                503,
                f"{self.name}: {len(self._items)} requests are waiting (the queue's limit); "
                f"retry in {retry} s",
                {"Retry-After": str(retry)},
            )
        loop = asyncio.get_running_loop()
        item = Item(list(inputs), settings, loop.create_future(), time.monotonic())
        self._items.append(item)
        self._gauge()
        self._wake.set()
        try:
            return await asyncio.wait_for(asyncio.shield(item.future), timeout)
        except asyncio.TimeoutError:
            if item in self._items:
                self._items.remove(item)
                self._gauge()
            item.future.cancel()
            raise UserError(504, f"{self.name}: no answer within {timeout:g} s") from None

    async def _wait(self, seconds: float | None) -> None:
        self._wake.clear()
        if seconds is None:
            await self._wake.wait()
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _take(self) -> list[Item]:
        batch, n = [], 0
        while self._items and (not batch or n + self._items[0].size <= self.max_batch):
            item = self._items.popleft()
            batch.append(item)
            n += item.size
        self._gauge()
        return [item for item in batch if not item.future.done()]

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self._items:
                if self._closing:
                    return
                await self._wait(None)
            deadline = self._items[0].arrival + self.max_wait_s
            while not self._closing and sum(i.size for i in self._items) < self.max_batch:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                await self._wait(left)
                if not self._items:
                    break
            batch = self._take()
            if not batch:
                continue
            if self.metrics is not None:
                self.metrics.batch_size.labels(model=self.name).observe(sum(i.size for i in batch))
            try:
                results: list[Any] = await loop.run_in_executor(
                    self._executor, group_runs, batch, self.run
                )
            except Exception as exc:  # the model failed: every request of the batch hears it
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            for item, result in zip(batch, results, strict=True):
                if not item.future.done():
                    item.future.set_result(result)
