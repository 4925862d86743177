"""apps/deploy runs a zoo export with its runtime, numpy and OpenCV only, and finds what zoo finds.

Each script runs in a subprocess that must not import zoo, TensorFlow, Keras or JAX; its
detections on a real raccoon photo (the file resizes the raw image itself) match the Keras
model's, and its CamVid mask agrees with the Keras mask on nearly every pixel.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import zoo

pytestmark = [pytest.mark.data, pytest.mark.slow]
DEPLOY = Path(__file__).resolve().parents[2] / "apps" / "deploy"
SCRIPTS = {"onnx": "run_onnx.py", "litert": "run_litert.py"}
# run the script as __main__, then fail if it pulled in zoo or a Keras backend
RUNNER = (
    "import runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "bad = sorted({'zoo', 'tensorflow', 'keras', 'jax'} & set(sys.modules))\n"
    "assert not bad, f'imported {bad}'\n"
)


def run_script(fmt: str, model: Path, image: Path, *extra: str) -> list[dict]:
    script = DEPLOY / SCRIPTS[fmt]
    out = subprocess.run(
        [sys.executable, "-c", RUNNER, str(script), str(model), str(image), *extra],
        capture_output=True, text=True, timeout=300, cwd=DEPLOY, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.fixture(scope="module")
def data():
    from zoo.data.paths import data_root

    if not data_root().is_dir():
        pytest.skip("shared data folder not found (set ZOO_DATA)")
    return data_root().resolve()


@pytest.mark.parametrize("fmt", ["onnx", "litert"])
def test_deploy_detects_as_zoo(fmt, exported, data, tmp_path):
    image_path = sorted((data / "raccoon").rglob("*.jpg"))[0]
    lines = run_script(fmt, exported("yolo-wildlife", fmt), image_path, "--out",
                       str(tmp_path / "boxes.jpg"))  # fmt: skip
    image = cv2.cvtColor(cv2.imread(str(image_path)), cv2.COLOR_BGR2RGB)
    model = zoo.load("yolo-wildlife")
    want = model.detect([image], conf=0.25, iou=0.45)[0]
    assert len(lines) == len(want["scores"]) > 0
    for line, box, score, label in zip(lines, want["boxes"], want["scores"], want["labels"],
                                       strict=True):  # fmt: skip
        assert line["class"] == model.class_names[int(label)]
        # the file resizes with TensorFlow's bilinear kernel, zoo with OpenCV's
        assert abs(line["score"] - score) < 0.02
        assert np.abs(np.array(line["box"]) - box).max() < 3.0
    assert cv2.imread(str(tmp_path / "boxes.jpg")).shape == image.shape


@pytest.mark.parametrize("fmt", ["onnx", "litert"])
def test_deploy_segments_as_zoo(fmt, exported, data, tmp_path):
    image_path = sorted((data / "camvid" / "val").glob("*"))[0]
    lines = run_script(fmt, exported("fcn8s-camvid", fmt), image_path, "--out",
                       str(tmp_path / "mask.png"))  # fmt: skip
    image = cv2.cvtColor(cv2.imread(str(image_path)), cv2.COLOR_BGR2RGB)
    want = zoo.load("fcn8s-camvid").segment([image])[0]
    got = cv2.imread(str(tmp_path / "mask.png"), cv2.IMREAD_UNCHANGED)
    assert got.shape == want.shape
    assert (got == want).mean() > 0.999
    assert abs(sum(line["fraction"] for line in lines) - 1.0) < 1e-3


def test_deploy_names_an_unreadable_image(exported, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    script = DEPLOY / SCRIPTS["litert"]
    out = subprocess.run(
        [sys.executable, str(script), str(exported("yolo-wildlife", "litert")), str(bad)],
        capture_output=True, text=True, timeout=300, cwd=DEPLOY, check=False,
    )  # fmt: skip
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == f"{bad}: not a readable image"
