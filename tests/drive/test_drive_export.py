"""A driving model exported whole (both outputs) to LiteRT and ONNX gives what Keras gives."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import zoo

pytestmark = [pytest.mark.data, pytest.mark.slow]
NEEDS = {"onnx": ("tf2onnx", "onnx", "onnxruntime"), "litert": ("ai_edge_litert",)}
SUFFIXES = {"onnx": ".onnx", "litert": ".tflite"}


@pytest.fixture(scope="module")
def frames(data_dir):
    from zoo.data.images import read_image

    return [read_image(p) for p in sorted((data_dir / "camvid" / "val").glob("*.jpg"))[:4]]


@pytest.fixture(scope="module")
def keras_results(small_drive, frames):
    return zoo.load(small_drive).perceive(frames, conf=0.05)


@pytest.mark.parametrize("fmt", ["litert", "onnx"])
def test_exported_matches_keras(fmt, small_drive, frames, keras_results, tmp_path):
    missing = [m for m in NEEDS[fmt] if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    from zoo.export import export_model

    path = export_model(str(small_drive), fmt, tmp_path / f"drive{SUFFIXES[fmt]}")
    model = zoo.load(path)
    assert model.task == "drive" and model.runtime == fmt
    assert model.input_size == (64, 96) and len(model.detection_classes) == 80
    assert_same_perception(keras_results, model.perceive(frames, conf=0.05))


def assert_same_perception(keras_results, results):
    for ours, theirs in zip(keras_results, results, strict=True):
        assert theirs["mask"].shape == ours["mask"].shape
        assert (theirs["mask"] == ours["mask"]).mean() > 0.999
        assert len(theirs["boxes"]) == len(ours["boxes"])
        np.testing.assert_allclose(theirs["boxes"], ours["boxes"], atol=0.05)
        np.testing.assert_allclose(theirs["scores"], ours["scores"], atol=1e-3)
        np.testing.assert_array_equal(theirs["labels"], ours["labels"])
    assert sum(len(r["boxes"]) for r in results) > 0


def test_cached_litert_export_has_a_fixed_batch_of_one(
    small_drive, frames, keras_results, tmp_path, monkeypatch
):
    """The fast path's file (zoo.runtime.cache.STATIC_BATCH): batch 1, frames run one by one."""
    if importlib.util.find_spec("ai_edge_litert") is None:
        pytest.skip("ai_edge_litert not installed")
    from zoo.runtime.cache import cached_export

    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    model = zoo.load(cached_export(str(small_drive), "litert"))
    assert model.metadata["batch"] == 1 and model.fixed_batch == 1
    assert_same_perception(keras_results, model.perceive(frames, conf=0.05, batch_size=8))


def test_runtime_loads_without_keras(small_drive, tmp_path):
    import subprocess

    if importlib.util.find_spec("ai_edge_litert") is None:
        pytest.skip("ai_edge_litert not installed")
    from zoo.export import export_model

    path = export_model(str(small_drive), "litert", tmp_path / "drive.tflite")
    code = (
        "import sys, numpy as np, zoo; m = zoo.load(sys.argv[1]); "
        "r = m.perceive([np.zeros((90, 120, 3), np.uint8)])[0]; "
        "assert r['mask'].shape == (90, 120); "
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
