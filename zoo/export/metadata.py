"""What every exported file says about itself: task, classes, input, preprocessing, provenance.

The same JSON object goes into each format: ONNX ``metadata_props`` (key ``zoo``), LiteRT
model metadata (name ``zoo``) and the SavedModel's ``assets/zoo_metadata.json``. Reading it
needs neither TensorFlow nor Keras (see :mod:`zoo.runtime.metadata`).

Example:
    >>> meta = build_metadata(model, "onnx", source_name="yolo-wildlife")  # doctest: +SKIP
    >>> meta["class_names"], meta["source"]["sha256"][:8]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from zoo.runtime.runners import METADATA_KEY, SAVED_MODEL_METADATA

__all__ = ["METADATA_KEY", "SAVED_MODEL_METADATA", "build_metadata", "source_record"]


def source_record(name: str | os.PathLike | None) -> dict[str, Any]:
    """``{"name", "file", "sha256"}`` of the model an export was made from."""
    from zoo.weights import manifest, sha256_of

    if name is None:
        return {"name": None, "file": None, "sha256": None}
    record = manifest().get(str(name))
    if record is not None:
        return {"name": str(name), "file": record["file"], "sha256": record["sha256"]}
    path = Path(name)
    if path.is_file():
        return {"name": path.stem, "file": path.name, "sha256": sha256_of(path)}
    return {"name": str(name), "file": None, "sha256": None}


def build_metadata(model, fmt: str, source_name=None, **extra: Any) -> dict[str, Any]:
    """The metadata of ``model`` exported to ``fmt`` (``extra`` keys are added as given)."""
    import zoo

    task = getattr(model, "task", None)
    meta: dict[str, Any] = {
        "zoo_version": zoo.__version__,
        "format": fmt,
        "task": task,
        "source": source_record(source_name),
    }
    if task in ("detection", "segmentation"):
        meta["class_names"] = list(model.class_names)
        meta["num_classes"] = int(model.num_classes)
        meta["preprocessing"] = dict(model.preprocessing)
    if task == "detection":
        meta["input_size"] = [int(v) for v in model.input_size]
        meta["postprocess"] = dict(model.postprocess)
    if task == "segmentation":
        meta["ignore_index"] = model.ignore_index
    if task == "translation":
        meta["languages"] = list(model.languages) if model.languages else None
    meta.update(extra)
    return meta
