"""The one place that decides how a model name or path loads.

A model is named three ways: a trained model of the registry (``fcn8s-camvid``, an
architecture such as ``fcn8s`` for :func:`zoo.create_model`), a ``.keras`` file, or an exported
file (``.onnx``, ``.tflite``, a SavedModel folder). :func:`resolve_source` looks once and
returns a :class:`ModelSource`; :func:`zoo.load`, :func:`zoo.create_model`, the CLI and
:mod:`zoo.runtime` take that answer (passing a ``ModelSource`` on returns it unchanged) rather
than looking again.

Example:
    >>> resolve_source("yolo-wildlife.tflite").format
    'litert'
    >>> resolve_source("fcn8s-camvid").kind
    'name'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

EXPORTED_SUFFIXES = {".onnx": "onnx", ".tflite": "litert"}


def exported_format(path: str | os.PathLike) -> str | None:
    """``"onnx"``, ``"litert"`` or ``"tf_saved_model"`` for an exported file/folder, else None."""
    if isinstance(path, ModelSource):
        return path.format
    p = Path(path)
    if p.suffix.lower() in EXPORTED_SUFFIXES:
        return EXPORTED_SUFFIXES[p.suffix.lower()]
    if p.is_dir() and (p / "saved_model.pb").is_file():
        return "tf_saved_model"
    return None


@dataclass(frozen=True)
class ModelSource:
    """What a model name or path is, decided once by :func:`resolve_source`.

    Args:
        name: the name or path as the caller gave it (used in messages).
        format: the exported format (``onnx``, ``litert``, ``tf_saved_model``), else None.
        file: whether it names a model file (a ``.keras`` path, or any file that exists).
    """

    name: str | os.PathLike
    format: str | None
    file: bool

    @property
    def kind(self) -> str:
        """``"exported"``, ``"file"`` (a ``.keras`` file) or ``"name"`` (registry)."""
        return "exported" if self.format else "file" if self.file else "name"

    @property
    def needs_keras(self) -> bool:
        """Whether loading it imports Keras (all but the ONNX and LiteRT files)."""
        return self.format in (None, "tf_saved_model")

    def __str__(self) -> str:
        return str(self.name)

    def __fspath__(self) -> str:
        return os.fspath(self.name)


def resolve_source(name: str | os.PathLike | ModelSource) -> ModelSource:
    """Decide what ``name`` is (see the module docstring); a ``ModelSource`` is returned as is."""
    if isinstance(name, ModelSource):
        return name
    return ModelSource(
        name, exported_format(name), str(name).endswith(".keras") or Path(name).is_file()
    )
