"""A real ``zoo serve`` on loopback for the serve tests: one server with the default models
(started once per session: each start loads the models), and a helper to start others."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
httpx = pytest.importorskip("httpx", reason="httpx (dev extra) is not installed")

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "apps" / "serve" / "samples"
STREET = ROOT / "apps" / "segmentation" / "samples" / "street.jpg"
API_KEY = "test-key-0123456789"
START_LIMIT_S = 900  # a guard against a hung start-up, not a measure: the first start exports


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """A ``zoo serve`` subprocess: its ``url``, ``log`` file and process."""

    def __init__(self, args: list[str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
        self._out = open(log, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zoo", "serve", *args, "--port", str(self.port)],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_LIMIT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"zoo serve exited ({self.process.returncode}):\n{self.text()}")
            try:
                if httpx.get(f"{self.url}/v2/health/ready", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"zoo serve not ready after {START_LIMIT_S} s:\n{self.text()}")

    def text(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()
        return self.process.returncode


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The default models, an API key, a 2 MB body limit."""
    log = tmp_path_factory.mktemp("serve") / "server.log"
    running = Running(["--api-key", API_KEY, "--max-body-mb", "2"], log)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def client(server):
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=120
    ) as c:
        yield c


def error_count(client) -> float:
    """Requests answered 4xx/5xx so far, from the server's /metrics."""
    total = 0.0
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("zoo_request_errors_total{"):
            total += float(line.rsplit(" ", 1)[1])
    return total
