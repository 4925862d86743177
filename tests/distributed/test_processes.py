"""Two processes over loopback (JAX): the weights of both equal one process's; a process
killed mid-run ends its peer with one line, not a hang, and ``--resume`` finishes the run."""

from __future__ import annotations

import os
import socket
import time

import pytest
from test_same_training import assert_same, finish, segmentation_config, spawn, weights

pytestmark = pytest.mark.distributed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pair(tmp, config, run_dir, name, resume=False, kill=None, backend="jax"):
    port = free_port()
    procs = []
    for pid in range(2):
        spec = {
            "task": "segmentation",
            "config": config,
            "devices": 1,
            "coordinator": f"127.0.0.1:{port}",
            "num_processes": 2,
            "process_id": pid,
            "resume": resume,
            "run_dir": str(run_dir),
            "out": str(tmp / f"{name}-{pid}.npz"),
        }
        env = {"KILL_AT": kill} if kill and pid == 1 else {}
        procs.append(spawn(spec, tmp, f"{name}-{pid}", backend, env))
    return procs


def test_two_processes_killed_then_resumed_train_as_one(tmp_path):
    config = segmentation_config(tmp_path / "data")
    config["train"]["epochs"] = 2
    one = {
        "task": "segmentation",
        "config": config,
        "devices": 1,
        "run_dir": str(tmp_path / "one"),
        "out": str(tmp_path / "one.npz"),
    }
    finish(spawn(one, tmp_path, "one", "jax"))
    expected = weights(tmp_path / "one.npz", "dp_")

    run_dir = tmp_path / "pair"
    chief, worker = pair(tmp_path, config, run_dir, "broken", kill="1,0")
    start = time.monotonic()
    out, _ = chief.communicate(timeout=600)
    worker_out, _ = worker.communicate(timeout=60)
    assert worker.returncode == -9, worker_out[-3000:]
    assert chief.returncode != 0, out[-3000:]
    assert "zoo: error" in out or "peer" in out.lower() or "heartbeat" in out.lower(), out[-3000:]
    waited = time.monotonic() - start
    assert (run_dir / "state.json").is_file(), out[-3000:]

    procs = pair(tmp_path, config, run_dir, "resumed", resume=True)
    outs = [finish(p) for p in procs]
    assert "resuming" in outs[0], outs[0][-2000:]
    got = [weights(tmp_path / f"resumed-{pid}.npz", "dp_") for pid in range(2)]
    assert_same(got[0], got[1], "process 0 vs process 1")
    assert_same(expected, got[0], f"2 processes (resumed; peer loss noticed in {waited:.0f} s)")
    assert os.listdir(run_dir)


def test_tensorflow_two_workers_train_as_one(tmp_path):
    """MultiWorkerMirroredStrategy over loopback: both workers end with one process's weights."""
    config = segmentation_config(tmp_path / "data")
    one = {
        "task": "segmentation",
        "config": config,
        "devices": 1,
        "run_dir": str(tmp_path / "one"),
        "out": str(tmp_path / "one.npz"),
    }
    finish(spawn(one, tmp_path, "one", "tensorflow"))
    procs = pair(tmp_path, config, tmp_path / "pair", "tf", backend="tensorflow")
    for proc in procs:
        finish(proc)
    got = [weights(tmp_path / f"tf-{pid}.npz", "dp_") for pid in range(2)]
    assert_same(got[0], got[1], "worker 0 vs worker 1")
    assert_same(weights(tmp_path / "one.npz", "dp_"), got[0], "2 TensorFlow workers")
