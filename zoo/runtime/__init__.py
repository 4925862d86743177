"""Run exported zoo models (ONNX, LiteRT, SavedModel) as zoo models.

``zoo.load("model.onnx")`` (or ``.tflite``, or a SavedModel folder) returns an object with the
same ``detect`` / ``segment`` / ``translate`` as the Keras model, running in that file's
runtime. The ONNX and LiteRT paths import neither TensorFlow nor Keras.

Example:
    >>> model = load_exported("yolo-wildlife.tflite")  # doctest: +SKIP
    >>> model.detect([image])[0]["boxes"]              # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from zoo.errors import ZooError
from zoo.sources import exported_format, resolve_source

__all__ = ["RUNTIMES", "exported_format", "load_exported"]

RUNTIMES = ("onnx", "litert", "tf_saved_model")


def load_exported(path: str | os.PathLike, threads: int | None = None):
    """An exported zoo model as an :class:`~zoo.runtime.exported.ExportedModel` of its task."""
    from zoo.runtime.exported import MODEL_CLASSES
    from zoo.runtime.runners import open_runner
    from zoo.runtime.translator import ExportedTranslator

    source = resolve_source(path)
    path, fmt = source.name, source.format
    if fmt is None:
        raise ZooError(f"{path}: not an exported model (.onnx, .tflite or a SavedModel folder)")
    if not Path(path).exists():
        raise ZooError(f"{path}: no such model file")
    runner = open_runner(Path(path), fmt, threads)
    task = runner.metadata.get("task")
    from zoo.drive.exported import ExportedDrive

    classes = {**MODEL_CLASSES, "translation": ExportedTranslator, "drive": ExportedDrive}
    if runner.metadata.get("role") == "decoder_step":
        raise ZooError(f"{path}: a translation model's decoder step; load its encoder file")
    if task not in classes:
        raise ZooError(f"{path}: no zoo metadata naming its task; was it exported by zoo?")
    return classes[task](runner)
