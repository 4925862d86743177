"""``tools/gpu_smoke.sh`` on the CPU, tiny and short: every application trains and is timed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.distributed

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.xfail(strict=False, reason="issue 10: on the CPU the smoke run reports an MFU of 0")
def test_gpu_smoke_runs_on_cpu(tmp_path):
    out = tmp_path / "smoke.json"
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("XLA_FLAGS", None)
    args = ["--tiny", "--steps", "2", "--warmup", "1", "--devices", "2", "--json", str(out)]
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "gpu_smoke.sh"), *args, "--peak-tflops", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    records = json.loads(out.read_text())
    assert [r["task"] for r in records] == ["segmentation", "detection", "translation"]
    for record in records:
        assert record["devices"] == 2 and record["examples_per_s"] > 0
        assert record["model_tflop_per_step"] > 0 and 0 < record["mfu"] < 1
    assert "examples/s" in done.stdout and "MFU" in done.stdout
