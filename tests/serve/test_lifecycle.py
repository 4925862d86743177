"""Load and life: 503 + Retry-After when the queue is full, SIGTERM answers the requests in
flight before the process exits, and the one-line message without the serve extra.

Nothing here depends on timing: the held request waits for a batch that cannot fill (max wait
10 minutes), and the test waits on the server's own queue-depth metric."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.serve.conftest import ROOT, SAMPLES, ServerProcess, httpx


def _queue_depth(url: str) -> float:
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith('zoo_queue_depth{model="yolo-fastest-xl-coco"}'):
            return float(line.rsplit(" ", 1)[1])
    return -1.0


def test_queue_full_503_then_sigterm_drains(tmp_path):
    running = ServerProcess(
        ["yolo-fastest-xl-coco", "--max-queue", "1", "--max-wait-ms", "600000", "--timeout", "900"],
        tmp_path / "server.log",
    )
    try:
        jpeg = (SAMPLES / "dog.jpg").read_bytes()
        held: dict = {}

        def first():
            held["answer"] = httpx.post(
                f"{running.url}/detect", files={"file": ("dog.jpg", jpeg)}, timeout=600
            )

        thread = threading.Thread(target=first)
        thread.start()
        while _queue_depth(running.url) < 1:  # the first request waits for its batch
            assert thread.is_alive(), held
            time.sleep(0.05)
        refused = httpx.post(f"{running.url}/detect", files={"file": ("dog.jpg", jpeg)})
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) >= 1
        assert "waiting" in refused.json()["error"]
        assert 'zoo_queue_rejected_total{model="yolo-fastest-xl-coco"} 1.0' in (
            httpx.get(f"{running.url}/metrics").text
        )
        running.process.send_signal(signal.SIGTERM)  # the held request must still be answered
        thread.join(600)
        assert held["answer"].status_code == 200, held["answer"].text
        assert {d["class"] for d in held["answer"].json()["detections"]} >= {"dog"}
        assert running.process.wait(120) == 0
    finally:
        code = running.stop()
    log = running.text()
    assert code == 0 and "Traceback" not in log and "Application shutdown complete" in log
    assert '"POST /detect" 503' in log and '"POST /detect" 200' in log  # the access log


def test_missing_extra_is_one_line():
    code = (
        "import sys; sys.modules['fastapi'] = None; sys.argv = ['zoo', 'serve'];"
        "from zoo.cli import main; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install "zoo[serve]"' in lines[0] and "fastapi" in lines[0]


@pytest.mark.parametrize("name", ["no-such-model", "missing.onnx"])
def test_unknown_model_is_one_line(name):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "zoo", "serve", name, "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert name in done.stderr
