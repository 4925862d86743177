"""``zoo.sources``: what a model name or path is, decided once for zoo.load, the CLI and the
runtime."""

from __future__ import annotations

import os

import pytest

import zoo
import zoo.sources as sources
from zoo.errors import ZooError
from zoo.sources import ModelSource, resolve_source


def test_each_kind_of_name(tmp_path):
    assert resolve_source("fcn8s-camvid").kind == "name"
    assert resolve_source("fcn8s").needs_keras
    assert resolve_source(tmp_path / "m.keras").kind == "file"
    other = tmp_path / "weights.bin"
    other.write_bytes(b"x")
    assert resolve_source(other).kind == "file"  # any file that exists is a model file
    onnx, tflite = resolve_source("m.onnx"), resolve_source("m.TFLITE")
    assert (onnx.kind, onnx.format, onnx.needs_keras) == ("exported", "onnx", False)
    assert (tflite.format, tflite.needs_keras) == ("litert", False)
    saved = tmp_path / "saved"
    saved.mkdir()
    assert resolve_source(saved).kind == "name"  # a folder without saved_model.pb
    (saved / "saved_model.pb").write_bytes(b"")
    found = resolve_source(saved)
    assert (found.kind, found.format, found.needs_keras) == ("exported", "tf_saved_model", True)


def test_a_source_passes_through_unchanged():
    found = resolve_source("m.onnx")
    assert resolve_source(found) is found
    assert str(found) == os.fspath(found) == "m.onnx"
    assert isinstance(found, ModelSource) and sources.exported_format(found) == "onnx"


def test_zoo_load_looks_once(monkeypatch, tmp_path):
    """zoo.load -> load_exported (and the CLI's open_model -> zoo.load) take the one answer."""
    from zoo.cli.common import open_model

    calls = []
    real = sources.exported_format

    def counted(path):
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(sources, "exported_format", counted)
    missing = tmp_path / "missing.onnx"
    with pytest.raises(ZooError, match="no such model file"):
        zoo.load(missing)
    assert calls == [str(missing)]
    calls.clear()
    with pytest.raises(ZooError, match="no such model file"):
        open_model(str(missing))
    assert calls == [str(missing)]
