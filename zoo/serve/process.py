"""``zoo serve`` as a child process on a free loopback port, ready when the constructor
returns: what tests, benchmarks and scripts start and stop.

Example:
    >>> with ServerProcess(["yolo-fastest-xl-coco"], Path("serve.log")) as server:  # doctest: +SKIP
    ...     httpx.get(server.url + "/v2/health/ready")
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python -m zoo serve ARGS --port P``, its output in ``log``; ``url``, ``process``.

    ``start_limit_s`` guards against a start-up that hangs (the first start exports models).
    """

    def __init__(self, args: list[str], log: Path, start_limit_s: float = 900):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(log)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._out = open(self.log, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zoo", "serve", *args, "--port", str(self.port)],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self._wait_ready(start_limit_s)

    def _wait_ready(self, limit_s: float) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"zoo serve exited ({self.process.returncode}):\n{self.text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/v2/health/ready", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"zoo serve not ready after {limit_s:g} s:\n{self.text()}")

    def text(self) -> str:
        """What the server printed so far (its log)."""
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, wait for the drain (a minute at most, then kill); the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()
        return self.process.returncode

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
