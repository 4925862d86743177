"""A TensorFlow Datasets detection split (e.g. ``coco/2017``) as a :class:`DetectionDataset`.

The first use exports the split once: each image is written as a JPEG (quality 95) to
``cache_dir/<name>/<split>/`` and the boxes to an ``index.json`` there; later uses read
the index only. Training then runs on the files with the numpy/OpenCV loader like any
other folder (TensorFlow is needed for the export only). Boxes are TFDS' normalised
``ymin, xmin, ymax, xmax``, turned into ``xyxy`` pixels; ``is_crowd`` boxes become difficult.

Example:
    >>> ds = read_tfds_detection("coco/2017", "validation")  # doctest: +SKIP
    >>> ds.num_classes  # doctest: +SKIP
    80
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np

from zoo.data.paths import data_root
from zoo.detection.data import DetectionDataset, DetectionSample
from zoo.errors import DataError
from zoo.training.recipe import write_json_atomic

JPEG_QUALITY = [cv2.IMWRITE_JPEG_QUALITY, 95]


def _export(name: str, split: str, data_dir, folder: Path) -> dict:
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
        names = list(builder.info.features["objects"]["label"].names)
        ds = builder.as_dataset(split=split)
    except Exception as exc:  # not downloaded, unknown name or split
        raise DataError(
            f"tfds {name!r} split {split!r}: not available ({type(exc).__name__}: {exc}); "
            f"prepare it first, e.g. `tfds build {name.split('/')[0]}`"
        ) from exc
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for i, ex in enumerate(tfds.as_numpy(ds)):
        raw = ex.get("image/filename", b"")
        stem = Path(raw.decode() if isinstance(raw, bytes) else str(raw)).stem or f"{i:08d}"
        path = folder / f"{stem}.jpg"
        image = np.asarray(ex["image"])
        height, width = image.shape[:2]
        if not path.is_file():
            ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), JPEG_QUALITY)
            if not ok:
                raise DataError(f"tfds {name!r}: image {i} could not be encoded")
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(jpg.tobytes())
            os.replace(tmp, path)
        obj = ex["objects"]
        bbox = np.asarray(obj["bbox"], np.float64).reshape(-1, 4)
        labels = np.asarray(obj["label"], np.int64).reshape(-1)
        crowd = np.asarray(obj.get("is_crowd", np.zeros(len(bbox), bool)), bool).reshape(-1)
        n = min(len(bbox), len(labels), len(crowd))  # equal in real data
        boxes = bbox[:n, [1, 0, 3, 2]] * [width, height, width, height]
        records.append(
            {
                "file": path.name,
                "width": width,
                "height": height,
                "boxes": boxes.round(2).tolist(),
                "labels": labels[:n].tolist(),
                "crowd": crowd[:n].tolist(),
            }
        )
    index = {"name": name, "split": split, "class_names": names, "images": records}
    write_json_atomic(folder / "index.json", index)
    return index


def read_tfds_detection(
    name: str,
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> DetectionDataset:
    """Read (exporting once) a TFDS detection split with an ``objects`` feature.

    Args:
        name: the TFDS name, e.g. ``"coco/2017"``.
        split: the TFDS split (``"train"``, ``"validation"``...).
        data_dir: TFDS' data folder (default TFDS' own).
        cache_dir: where exported images go (default ``$ZOO_DATA/tfds_export``).
    """
    base = Path(cache_dir) if cache_dir else data_root() / "tfds_export"
    folder = base / name.replace("/", "_") / split
    index_file = folder / "index.json"
    if index_file.is_file():
        index = json.loads(index_file.read_text())
    else:
        index = _export(name, split, data_dir, folder)
    samples = [
        DetectionSample(
            folder / r["file"], r["width"], r["height"], r["boxes"], r["labels"], r["crowd"]
        )
        for r in index["images"]
    ]
    return DetectionDataset(index["class_names"], samples, folder)
