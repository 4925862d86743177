"""Runs that survive: a training process killed with SIGKILL mid-epoch resumes and ends where an
unbroken run ends; output places that cannot be written are refused before any work."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foundation.helpers import TINY_BACKBONE
from zoo.errors import ZooError
from zoo.training.recipe import load_recipe
from zoo.writable import writable_dir, writable_file

ROOT = Path(__file__).resolve().parents[2]

# Runs train_segmentation(config) in a fresh process; with KILL_AT="epoch,batch" the process
# sends itself SIGKILL after that training batch (no clean-up, as a killed job gets).
CHILD = """
import json, os, signal, sys
import keras
import zoo.segmentation.train as T
import zoo.training.run as R

config, resume = json.loads(open(sys.argv[1]).read()), sys.argv[2] == "resume"
kill = os.environ.get("KILL_AT")

class Kill(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if kill and (self.epoch, batch) == tuple(int(x) for x in kill.split(",")):
            os.kill(os.getpid(), signal.SIGKILL)

standard = R.standard_callbacks
R.standard_callbacks = lambda *a, **k: [*standard(*a, **k), Kill()]
T.train_segmentation(config, resume=resume)
"""


def real_camvid(zoo_data: Path, root: Path) -> Path:
    """Six train and two val CamVid photos with their label masks, copied."""
    for split, count in (("train", 6), ("val", 2)):
        (root / split).mkdir(parents=True)
        (root / f"{split}annot").mkdir()
        for image in sorted((zoo_data / "camvid" / split).glob("*.jpg"))[:count]:
            shutil.copy(image, root / split)
            mask = zoo_data / "camvid" / f"{split}annot" / f"{image.stem}.png"
            shutil.copy(mask, root / f"{split}annot")
    return root


def recipe(tmp_path: Path, data: Path, out: Path, epochs: int) -> Path:
    source = tmp_path / "tiny.toml"
    source.write_text(
        'task = "segmentation"\nname = "tiny"\nseed = 3\n'
        '[model]\narchitecture = "fcn8s"\nbackbone = "litenet"\n'
        '[data]\ntrain_split = "train"\nval_split = "val"\ncrop = [64, 64]\n'
        "[train]\nbatch_size = 2\nval_batch_size = 2\nlr = 1e-3\njit_compile = false\n"
    )
    widths, depths = TINY_BACKBONE["widths"], TINY_BACKBONE["depths"]
    config = load_recipe(
        source,
        [
            f"data.root={str(data)!r}",
            f"train.out_dir={str(out)!r}",
            f"train.epochs={epochs}",
            f"model.backbone_config={{ widths = {widths}, depths = {depths} }}",
        ],
    )
    path = out.parent / f"{out.name}.json"
    path.write_text(json.dumps(config))
    return path


def train(config: Path, resume: bool, kill_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}", "ZOO_VERBOSE": "0", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KILL_AT", None)
    if kill_at:
        env["KILL_AT"] = kill_at
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(config), "resume" if resume else "fresh"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=900)
    return proc.returncode, out, err[-3000:]


def weights(path: Path) -> list[np.ndarray]:
    import zoo.training.schedule  # noqa: F401  (the learning-rate schedule the optimizer saved)
    from zoo.api import load_model_file

    model = load_model_file(path, compile=True)
    values = [np.asarray(v.numpy()) for v in model.weights]
    values += [np.asarray(v.numpy()) for v in model.optimizer.variables]
    return values


@pytest.mark.data
@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_ends_where_an_unbroken_run_ends(zoo_data, tmp_path):
    data = real_camvid(zoo_data, tmp_path / "camvid")
    unbroken = recipe(tmp_path, data, tmp_path / "unbroken", epochs=2)
    broken = recipe(tmp_path, data, tmp_path / "broken", epochs=2)

    runs = [train(unbroken, resume=False), train(broken, resume=False, kill_at="1,1")]
    code, _, err = finish(runs[0])
    assert code == 0, err
    code, _, err = finish(runs[1])  # killed after the 2nd of 3 batches of the 2nd epoch
    assert code == -signal.SIGKILL, err
    state = json.loads((tmp_path / "broken" / "state.json").read_text())
    assert state["epoch"] == 1, "only the first epoch was complete when the process died"

    code, out, err = finish(train(broken, resume=True))
    assert code == 0, err
    assert "resuming" in out
    assert json.loads((tmp_path / "broken" / "state.json").read_text())["epoch"] == 2

    expected = weights(tmp_path / "unbroken" / "last.keras")
    got = weights(tmp_path / "broken" / "last.keras")
    assert len(expected) == len(got)
    worst = max(float(np.max(np.abs(a - b))) for a, b in zip(expected, got, strict=True))
    assert worst < 1e-4, f"resumed run differs from the unbroken one by {worst}"


def test_unwritable_places_are_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ZooError, match="cannot be written"):
        writable_dir(blocker / "run")
    with pytest.raises(ZooError, match="is a file, not a folder"):
        writable_dir(blocker)
    with pytest.raises(ZooError, match="is a folder"):
        writable_file(tmp_path)
    assert writable_dir(tmp_path / "new" / "run").is_dir()
    assert list((tmp_path / "new" / "run").iterdir()) == []  # the probe is gone
    if os.geteuid() != 0:  # root writes through permission bits
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ZooError, match="cannot be written"):
            writable_dir(locked / "run")


@pytest.mark.data
@pytest.mark.slow
def test_cli_refuses_an_unwritable_out_before_loading_anything(zoo_data, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    photo = zoo_data / "raccoon" / "images" / "raccoon-1.jpg"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    commands = [
        ["segment", str(photo), "--out", str(blocker / "masks")],
        ["detect", str(photo), "--json", str(blocker / "d.json")],
        ["translate", "A dog runs.", "--output", str(blocker / "out.txt")],
    ]
    for args in commands:
        result = subprocess.run(
            [sys.executable, "-m", "zoo", *args], capture_output=True, text=True, env=env,
            timeout=300,
        )  # fmt: skip
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot be written" in lines[0], (args, result.stderr)
