"""A real ``zoo serve`` on loopback for the serve tests: one server with the default models
(started once per session: each start loads the models), and a helper to start others."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
httpx = pytest.importorskip("httpx", reason="httpx (dev extra) is not installed")

from zoo.serve.process import ServerProcess  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"  # public-domain photos (samples/README.md)
API_KEY = "test-key-0123456789"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The default models, an API key, a 2 MB body limit."""
    log = tmp_path_factory.mktemp("serve") / "server.log"
    running = ServerProcess(["--api-key", API_KEY, "--max-body-mb", "2"], log)
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
