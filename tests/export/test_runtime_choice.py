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
    assert choose_runtime("fcn8s-camvid", "auto") == "keras"
    want = "litert" if runtime_available("litert") else "keras"
    assert choose_runtime("yolo-wildlife", "auto") == want
    assert choose_runtime("yolo-wildlife", "keras") == "keras"
    assert choose_runtime("some.keras", "auto") == "keras"


def test_export_refuses_what_it_cannot_write(tmp_path):
    from zoo.cli import main

    result = CliRunner().invoke(
        main,
        ["export", "rnnsearch-multi30k-en-de", "--format", "onnx", "--out", str(tmp_path / "x")],
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "tf_saved_model" in lines[0] and "rnnsearch" in lines[0]
    bad = CliRunner().invoke(main, ["export", "m", "--format", "onnx", "--out", "x", "--size", "3"])
    assert bad.exit_code == 2 and "HxW" in bad.stderr
