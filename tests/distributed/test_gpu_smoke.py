"""``tools/gpu_smoke.sh`` on the CPU, tiny and short: every application trains and is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.distributed

ROOT = Path(__file__).resolve().parents[2]


def smoke(tmp_path, name: str, *args: str):
    out = tmp_path / f"{name}.json"
    # the interpreter running the tests, activated or not (a venv's python started by its path)
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHON": sys.executable,
    }
    env.pop("XLA_FLAGS", None)
    common = ["--tiny", "--steps", "2", "--warmup", "1", "--json", str(out)]
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "gpu_smoke.sh"), *common, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def test_gpu_smoke_runs_on_cpu(tmp_path):
    """With a peak given, every application's FLOPs (XLA's count on the CPU) and MFU."""
    records, stdout = smoke(tmp_path, "peak", "--devices", "2", "--peak-tflops", "1")
    assert [r["task"] for r in records] == ["segmentation", "detection", "translation"]
    for record in records:
        assert record["devices"] == 2 and record["examples_per_s"] > 0
        # the tiny models' steps: a few MFLOP, far below a TFLOP
        assert 0 < record["model_tflop_per_step"] < 1e-3, record
        assert 0 < record["mfu"] < 1, record
    assert "examples/s" in stdout and "MFU" in stdout and "n/a" not in stdout


def test_gpu_smoke_cpu_peak_unknown(tmp_path):
    """Without a peak for the device (a CPU), MFU is null, printed "n/a"; FLOPs still counted."""
    records, stdout = smoke(tmp_path, "unknown", "--tasks", "translation")
    assert "peak unknown" in stdout and "MFU n/a" in stdout, stdout
    assert records[0]["mfu"] is None and records[0]["model_tflop_per_step"] > 0, records
