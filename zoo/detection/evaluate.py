"""Evaluate a detector on a dataset split: VOC AP50 (all-point and 07) and COCO AP.

Detections are scored down to ``conf=0.001`` with per-class NMS at 0.45 and at most 100 per
image, on the original image pixels. Dataset and model classes are matched by name
(case, spaces and the usual VOC/COCO aliases ignored); dataset classes the model does not
know are named on stderr and left out of the means, model classes the dataset does not have
are ignored.

Example:
    >>> scores = evaluate_detection(zoo.load("yolo.keras"), data_root() / "coco128")
    >>> round(scores["ap50"], 3)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence

import numpy as np

from zoo.detection.data import DetectionDataset, match_classes, read_detection_dataset, read_image
from zoo.detection.data.problems import Problems
from zoo.detection.metrics import evaluate_detections
from zoo.errors import DataError
from zoo.progress import Progress

EVAL_SETTINGS = {"conf": 0.001, "iou": 0.45, "max_det": 100}


def load_eval_dataset(
    root: str | os.PathLike | Sequence[str | os.PathLike],
    split: str | None,
    problems: Problems | None = None,
) -> DetectionDataset:
    """Read ``root``'s ``split``; a dataset without split folders is read whole for
    ``split`` ``None``, ``"all"`` or ``"val"`` (with a note on stderr for ``"val"``).

    With ``problems`` (``Problems(skip_errors=True)``) samples that cannot be used are left
    out and named in ``problems.errors``."""
    if split in (None, "all"):
        return read_detection_dataset(root, problems=problems)
    try:
        return read_detection_dataset(root, split, problems=problems)
    except DataError:
        if split != "val":
            raise
        dataset = read_detection_dataset(root, problems=problems)
        print(f"zoo: {root}: no 'val' split; evaluating all {len(dataset)} images", file=sys.stderr)
        return dataset


def detect_dataset(
    model,
    dataset: DetectionDataset,
    batch_size: int = 8,
    skipped: list[str] | None = None,
    **settings,
) -> list[dict | None]:
    """Run ``model.detect`` over every image of ``dataset`` (settings default to evaluation's).

    An image that cannot be decoded raises, or with a ``skipped`` list is named there and gets
    ``None`` in place of its detections."""
    settings = {**EVAL_SETTINGS, **settings}
    detections: list[dict | None] = []
    paths = [s.image_path for s in dataset.samples]
    with Progress(total=len(paths), desc="eval", unit="img") as bar:
        for start in range(0, len(paths), batch_size):
            images, slots = [], []
            for path in paths[start : start + batch_size]:
                try:
                    images.append(read_image(path))
                    slots.append(len(images) - 1)
                except DataError as err:
                    if skipped is None:
                        raise
                    print(f"zoo: {err}; skipped", file=sys.stderr)
                    skipped.append(str(err))
                    slots.append(None)
            found = model.detect(images, batch_size=batch_size, **settings) if images else []
            detections += [None if i is None else found[i] for i in slots]
            bar.update(len(slots))
    return detections


def score_detections(
    dataset: DetectionDataset, detections: list[dict], model_class_names: Sequence[str]
) -> dict:
    """AP of ``detections`` (labels in model classes) on ``dataset``, classes matched by name."""
    mapping, unmatched = match_classes(dataset.class_names, list(model_class_names))
    if not mapping:
        raise DataError(
            f"{dataset.source}: none of the dataset's classes ({', '.join(dataset.class_names)}) "
            "is a class of the model"
        )
    if unmatched:
        print(
            f"zoo: {dataset.source}: classes the model does not know, left out: "
            f"{', '.join(unmatched)}",
            file=sys.stderr,
        )
    kept = sorted(mapping)  # dataset class indices, evaluated in this order
    names = [dataset.class_names[i] for i in kept]
    ds_to_eval = np.full(len(dataset.class_names), -1, np.int64)
    ds_to_eval[kept] = np.arange(len(kept))
    model_to_eval = np.full(len(model_class_names), -1, np.int64)
    for i in kept:
        model_to_eval[mapping[i]] = ds_to_eval[i]
    truth, preds = [], []
    for sample, det in zip(dataset.samples, detections, strict=True):
        labels = ds_to_eval[sample.labels]
        keep = labels >= 0
        truth.append(
            {
                "boxes": sample.boxes[keep],
                "labels": labels[keep],
                "difficult": sample.difficult[keep],
            }
        )
        det_labels = model_to_eval[np.asarray(det["labels"], np.int64)]
        ok = det_labels >= 0
        preds.append(
            {"boxes": det["boxes"][ok], "scores": det["scores"][ok], "labels": det_labels[ok]}
        )
    result = evaluate_detections(truth, preds, names)
    result["unmatched_classes"] = unmatched
    return result


def evaluate_detection(
    model,
    root: str | os.PathLike | Sequence[str | os.PathLike] | DetectionDataset,
    split: str | None = "val",
    batch_size: int = 8,
    **settings,
) -> dict:
    """Score ``model`` on ``root``'s ``split`` (or on a :class:`DetectionDataset`).

    Returns ``ap50``, ``ap50_voc07``, ``coco_ap``, ``coco_ap50``, ``coco_ap75``,
    ``per_class_ap50``, ``n_images`` (images scored), ``unmatched_classes`` and ``skipped``
    (one line per sample left out: missing or undecodable image, unusable annotation).
    ``settings`` override the detection settings (``conf`` 0.001, ``iou`` 0.45,
    ``max_det`` 100, ``multi_label``...).
    """
    problems = Problems(skip_errors=True)
    if isinstance(root, DetectionDataset):
        dataset = root
    else:
        dataset = load_eval_dataset(root, split, problems)
    skipped = list(problems.errors)
    if len(dataset) == 0:
        raise DataError(f"{dataset.source}: no images to evaluate")
    detections = detect_dataset(model, dataset, batch_size, skipped, **settings)
    used = [i for i, d in enumerate(detections) if d is not None]
    if not used:
        raise DataError(f"{dataset.source}: none of the {len(dataset)} images could be read")
    if len(used) < len(dataset):
        dataset = dataclasses.replace(dataset, samples=[dataset.samples[i] for i in used])
        detections = [detections[i] for i in used]
    result = score_detections(dataset, detections, model.class_names)
    result["skipped"] = skipped
    return result
