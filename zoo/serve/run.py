"""Run the server: one process (uvicorn in this process) or ``workers`` processes.

On SIGTERM (or Ctrl-C) uvicorn stops taking connections and lets the requests in flight finish;
the batchers are told at once, so requests still waiting for a batch run without waiting out
``max_wait`` and every one of them is answered before the process exits (status 0).

Example:
    >>> serve_forever(ServeConfig(models=["yolo-fastest-xl-coco"]), served)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading

import uvicorn

from zoo.serve.config import ServeConfig


class DrainingServer(uvicorn.Server):
    """uvicorn's server, telling the batchers to drain as soon as a signal asks it to stop."""

    def __init__(self, config: uvicorn.Config, server):
        super().__init__(config)
        self.zoo_server = server

    def handle_exit(self, sig, frame) -> None:
        super().handle_exit(sig, frame)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.call_soon_threadsafe(self.zoo_server.drain)

    @contextlib.contextmanager
    def capture_signals(self):
        """SIGTERM / SIGINT start the drain; once drained the process exits 0 (uvicorn's own
        version raises the signal again at the end, which exits -15)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def serve_forever(config: ServeConfig, served: dict, log_level: str = "info") -> None:
    """Serve until a signal; ``served``: the loaded models (used by a single process)."""
    options = {"host": config.host, "port": config.port, "log_level": log_level}
    options["access_log"] = False  # zoo.serve.middleware.AccessLog: one line per request
    if config.workers == 1:
        from zoo.serve.app import create_app

        app = create_app(config, served)
        DrainingServer(uvicorn.Config(app, **options), app.server).run()
        return
    config.to_env()  # each worker process loads its own models
    uvicorn.run("zoo.serve.app:app_from_env", factory=True, workers=config.workers, **options)
