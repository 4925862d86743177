"""Fast checks of how zoo recognises exported files and picks a runtime (no export made)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from zoo.errors import ZooError
from zoo.runtime import exported_format, load_exported
from zoo.runtime.cache import choose_runtime, runtime_available


def test_exported_format_by_suffix_and_folder(tmp_path):
    assert exported_format("m.onnx") == "onnx" and exported_format("m.tflite") == "litert"
    assert exported_format(tmp_path) is None and exported_format("m.keras") is None
    (tmp_path / "saved_model.pb").write_bytes(b"")
    assert exported_format(tmp_path) == "tf_saved_model"


def test_missing_or_foreign_files_are_named(tmp_path):
    with pytest.raises(ZooError, match=r"absent\.tflite"):
        load_exported(tmp_path / "absent.tflite")
    with pytest.raises(ZooError, match="not an exported model"):
        load_exported(tmp_path / "model.keras")


def test_auto_runtime_by_task():
    assert choose_runtime("model.onnx", "auto") == "file"
    want = "litert" if runtime_available("litert") else "keras"
    assert choose_runtime("fcn8s-camvid", "auto") == want
    assert choose_runtime("yolo-wildlife", "auto") == want
    assert choose_runtime("yolo-wildlife", "keras") == "keras"
    assert choose_runtime("some.keras", "auto") == "keras"


def test_export_refuses_bad_options_in_one_line(tmp_path):
    from zoo.cli import main

    out = str(tmp_path / "x.onnx")
    bad = CliRunner().invoke(main, ["export", "m", "--format", "onnx", "--out", out, "--size", "3"])
    assert bad.exit_code == 2 and "HxW" in bad.stderr
    int8 = CliRunner().invoke(
        main, ["export", "yolo-wildlife", "--format", "onnx", "--out", out, "--int8"]
    )
    assert int8.exit_code == 2 and "--int8 needs --format litert" in int8.stderr
    assert "Traceback" not in bad.stderr + int8.stderr


@pytest.mark.slow
def test_letterbox_detector_exports_and_matches_keras(tmp_path):
    """A letterbox detector (yolov3-lite) converts to LiteRT and detects as its Keras model."""
    import numpy as np

    import zoo
    from zoo.export import export_model

    if not runtime_available("litert"):
        pytest.skip("ai-edge-litert not installed")
    model = zoo.create_model("yolov3-lite", num_classes=2, input_size=(96, 128))
    model.save(tmp_path / "lb.keras")
    exported = zoo.load(export_model(tmp_path / "lb.keras", "litert", tmp_path / "lb.tflite"))
    assert exported.metadata["preprocessing"]["resize"] == "letterbox"
    image = np.random.default_rng(0).integers(0, 255, (150, 170, 3), np.uint8)
    want = model.for_inference().detect([image], conf=0.01)[0]
    got = exported.detect([image], conf=0.01)[0]
    assert len(got["scores"]) == len(want["scores"]) > 0
    assert np.abs(got["scores"] - want["scores"]).max() < 1e-4
    assert np.abs(got["boxes"] - want["boxes"]).max() < 1e-2
