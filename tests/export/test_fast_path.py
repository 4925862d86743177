"""``zoo detect`` / ``zoo segment`` run the trained models through LiteRT, exported once into
``ZOO_CACHE``; ``--runtime`` chooses; ``--model`` and ``zoo eval`` take exported files."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

import zoo
from zoo.cli import main

pytestmark = [pytest.mark.data, pytest.mark.slow]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="zoo")


@pytest.fixture
def raccoon_image():
    from zoo.data.paths import data_root

    images = sorted((data_root() / "raccoon").rglob("*.jpg"))
    if not images:
        pytest.skip("shared data folder not found (set ZOO_DATA)")
    return images[0]


def test_detect_runs_the_cached_litert_export(exported, raccoon_image, tmp_path, monkeypatch):
    from zoo.runtime.cache import CACHE_LAYOUT, cached_export

    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    from zoo.export.metadata import source_record
    from zoo.weights import cache_dir

    sha = source_record("yolo-wildlife")["sha256"]
    cached = cache_dir() / "exports" / f"{sha[:16]}-zoo{zoo.__version__}-{CACHE_LAYOUT}.tflite"
    cached.parent.mkdir(parents=True)
    shutil.copyfile(exported("yolo-wildlife", "litert"), cached)  # as a first run leaves it
    out = tmp_path / "dets.json"
    result = invoke("detect", raccoon_image, "--model", "yolo-wildlife", "--json", out)
    assert result.exit_code == 0, result.stderr
    assert "exporting" not in result.stderr  # the cached file was used
    assert cached_export("yolo-wildlife", "litert") == cached
    got = json.loads(out.read_text())[0]["detections"]
    from zoo.detection.data import read_image

    want = zoo.load("yolo-wildlife").for_inference().detect([read_image(raccoon_image)])[0]
    assert [d["class_id"] for d in got] == want["labels"].tolist()
    assert np.allclose([d["box"] for d in got], want["boxes"], atol=0.05)
    assert np.allclose([d["score"] for d in got], want["scores"], atol=1e-4)


def test_model_option_and_eval_take_exported_files(exported, raccoon_image, tmp_path):
    onnx_path = exported("yolo-wildlife", "onnx")
    result = invoke("detect", raccoon_image, "--model", onnx_path, "--json", tmp_path / "d.json")
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "d.json").read_text())[0]["detections"]
    folder = raccoon_image.parents[1]
    scores = invoke("eval", onnx_path, "--data", folder, "--val-fraction", 0.15, "--json")
    assert scores.exit_code == 0, scores.stderr
    assert json.loads(scores.stdout.splitlines()[-1])["ap50"] > 0.8


def test_runtime_keras_and_missing_file(raccoon_image, tmp_path):
    result = invoke("detect", raccoon_image, "--model", tmp_path / "absent.onnx")
    assert result.exit_code != 0
    assert "absent.onnx" in result.stderr.strip().splitlines()[-1]


def test_litert_detect_keeps_stderr_clean(exported, raccoon_image, tmp_path):
    """LiteRT's native "Created TensorFlow Lite XNNPACK delegate" line stays off stderr."""
    import subprocess
    import sys

    path = exported("yolo-wildlife", "litert")
    out = subprocess.run(
        [sys.executable, "-m", "zoo", "detect", str(raccoon_image), "--model", str(path),
         "--json", str(tmp_path / "d.json")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads((tmp_path / "d.json").read_text())[0]["detections"]
    assert "XNNPACK" not in out.stderr
