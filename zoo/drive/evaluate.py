"""``zoo eval`` for a driving model: the kind of data chooses the task scored.

A segmentation folder (CamVid, VOC, images + masks) gives the segmentation scores
(:func:`zoo.segmentation.evaluate.evaluate_segmentation`: mIoU ...), a detection dataset (COCO
JSON, VOC XML, YOLO) the detection scores (:func:`zoo.detection.evaluate.evaluate_detection`:
AP50, COCO AP ...), each with ``"task"`` saying which.

Example:
    >>> evaluate_drive(model, data_root() / "camvid", "val")["miou"]  # doctest: +SKIP
    >>> evaluate_drive(model, data_root() / "coco128", "val")["coco_ap50"]  # doctest: +SKIP
"""

from __future__ import annotations

import os

from zoo.errors import DataError


def data_task(root: str | os.PathLike, split: str | None) -> str:
    """``"segmentation"`` when ``root`` has a segmentation layout for ``split``, else
    ``"detection"``.

    Example:
        >>> data_task(data_root() / "coco128", "val")  # doctest: +SKIP
        'detection'
    """
    from zoo.segmentation.data.readers import read_segmentation_dataset

    try:
        read_segmentation_dataset(root, split)
    except DataError as exc:
        if "unknown segmentation layout" in str(exc):
            return "detection"
        raise
    return "segmentation"


def evaluate_drive(model, root: str | os.PathLike, split: str = "val", batch_size: int = 8) -> dict:
    """Score the driving ``model`` on ``root``'s ``split`` for the task its data is for."""
    task = data_task(root, split)
    if task == "segmentation":
        from zoo.segmentation.evaluate import evaluate_segmentation

        scores = evaluate_segmentation(model, root, split, batch_size=batch_size)
    else:
        from zoo.detection.evaluate import evaluate_detection

        scores = evaluate_detection(model.detection_view(), root, split, batch_size=batch_size)
    return {"task": task, **scores}
