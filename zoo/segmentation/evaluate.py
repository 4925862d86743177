"""Evaluate a segmentation model on a split at the original resolution (FCN paper measures).

Example:
    >>> scores = evaluate_segmentation(zoo.load("fcn8s-camvid"), data_root() / "camvid", "val")
    >>> round(scores["miou"], 3)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys

import numpy as np

from zoo.errors import DataError
from zoo.progress import track
from zoo.segmentation.data.io import read_image, read_mask, void_out_of_range
from zoo.segmentation.data.readers import read_segmentation_dataset
from zoo.segmentation.metrics import ConfusionMatrix, segmentation_scores


def evaluate_segmentation(
    model, root: str | os.PathLike, split: str = "val", batch_size: int = 4, tta: bool = False
) -> dict:
    """Score ``model`` on ``root``'s ``split``: one confusion matrix over the whole split.

    Returns ``miou``, ``pixel_acc``, ``mean_acc``, ``fw_iou``, ``per_class_iou`` {name: IoU or
    None}, ``n_images`` (pairs scored) and ``skipped`` (one line per pair left out: unreadable
    image or mask, sizes that differ). Labels outside the classes count as void, with a warning
    naming the mask, as in training. Void pixels are ignored; classes absent from both
    prediction and ground truth are left out of the means. The dataset's classes must be the
    model's. ``tta=True`` scores the test-time-augmented masks
    (``model.segment(..., tta=True)``).
    """
    dataset = read_segmentation_dataset(root, split)
    if dataset.num_classes != model.num_classes:
        raise DataError(
            f"{root}: the data has {dataset.num_classes} classes but the model "
            f"{model.num_classes}; evaluate with a model trained on these classes"
        )
    conf = ConfusionMatrix(model.num_classes, dataset.ignore_index)
    pending: list[tuple[np.ndarray, np.ndarray]] = []

    def flush() -> None:
        extra = {"tta": True} if tta else {}
        masks = model.segment([img for img, _ in pending], batch_size=batch_size, **extra)
        for (_, truth), pred in zip(pending, masks, strict=True):
            conf.update(truth, pred)
        pending.clear()

    skipped: list[str] = []
    pairs = list(zip(dataset.image_paths, dataset.mask_paths, strict=True))
    for image_path, mask_path in track(pairs, desc=f"eval {split}", unit="img"):
        try:
            image, mask = read_image(image_path), read_mask(mask_path)
            if image.shape[:2] != mask.shape[:2]:
                raise DataError(
                    f"{mask_path}: mask is {mask.shape[1]}x{mask.shape[0]} but its image is "
                    f"{image.shape[1]}x{image.shape[0]}"
                )
            mask = void_out_of_range(mask, dataset.num_classes, dataset.ignore_index, mask_path)
        except DataError as err:
            print(f"zoo: {err}; skipped", file=sys.stderr)
            skipped.append(str(err))
            continue
        if pending and pending[0][0].shape != image.shape:
            flush()
        pending.append((image, mask))
        if len(pending) == batch_size:
            flush()
    if pending:
        flush()
    scores = segmentation_scores(conf, model.class_names)
    scores["n_images"] = len(dataset) - len(skipped)
    scores["skipped"] = skipped
    scores["tta"] = bool(tta)
    return scores
