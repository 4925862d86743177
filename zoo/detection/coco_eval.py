"""COCO box AP by pycocotools' ``COCOeval``, on ground truth and detections held in memory.

Image ``i`` becomes COCO image id ``i + 1`` and class ``c`` category ``c + 1``; boxes are
``xyxy`` pixels (turned into COCO's ``xywh``), ``difficult`` boxes are crowd regions
(``iscrowd=1``: they absorb detections and count neither way). The numbers are COCOeval's
own: area range all, at most ``max_dets`` detections per image, 101 recall points, means over
the classes that have ground truth (NaN when none has).

Example:
    >>> import numpy as np
    >>> gt = [{"boxes": np.array([[0, 0, 10, 10]]), "labels": np.array([0])}]
    >>> det = [{"boxes": np.array([[0, 0, 10, 9]]), "scores": np.array([0.9]),
    ...         "labels": np.array([0])}]
    >>> {k: round(v, 6) for k, v in coco_ap(gt, det, 1).items()}
    {'coco_ap': 0.9, 'coco_ap50': 1.0, 'coco_ap75': 1.0}
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from typing import Any

import numpy as np


def _xywh(boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)


def coco_ap(
    ground_truth: Sequence[dict[str, Any]],
    detections: Sequence[dict[str, Any]],
    n_classes: int,
    max_dets: int = 100,
) -> dict[str, float]:
    """``coco_ap`` (AP@[.5:.95]), ``coco_ap50`` and ``coco_ap75`` by pycocotools.

    ``ground_truth``: per image, ``boxes`` (N, 4) ``xyxy``, ``labels`` (N,) in
    ``0..n_classes-1`` and optionally ``difficult`` (N,). ``detections``: per image in the
    same order, ``boxes``, ``scores`` and ``labels``.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, annotations, results = [], [], []
    for i, (gt, det) in enumerate(zip(ground_truth, detections, strict=True)):
        images.append({"id": i + 1})
        boxes = _xywh(gt["boxes"])
        labels = np.asarray(gt["labels"]).reshape(-1)
        crowd = gt.get("difficult")
        crowd = np.zeros(len(boxes), bool) if crowd is None else np.asarray(crowd, bool)
        for box, label, is_crowd in zip(boxes, labels, crowd, strict=True):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": int(label) + 1,
                    "bbox": box.tolist(),
                    "area": float(box[2] * box[3]),
                    "iscrowd": int(is_crowd),
                }
            )
        d_boxes = _xywh(det["boxes"])
        d_scores = np.asarray(det["scores"], np.float64).reshape(-1)
        d_labels = np.asarray(det["labels"]).reshape(-1)
        results += [
            {"image_id": i + 1, "category_id": int(lab) + 1, "bbox": b.tolist(), "score": float(s)}
            for b, s, lab in zip(d_boxes, d_scores, d_labels, strict=True)
        ]
    has_truth = any(not a["iscrowd"] for a in annotations)
    if not has_truth:
        return {"coco_ap": float("nan"), "coco_ap50": float("nan"), "coco_ap75": float("nan")}
    if not results:  # pycocotools cannot load an empty result list; nothing found scores 0
        return {"coco_ap": 0.0, "coco_ap50": 0.0, "coco_ap75": 0.0}
    categories = [{"id": c + 1, "name": str(c)} for c in range(n_classes)]
    with contextlib.redirect_stdout(io.StringIO()):  # COCOeval prints as it goes
        truth = COCO()
        truth.dataset = {"images": images, "annotations": annotations, "categories": categories}
        truth.createIndex()
        found = truth.loadRes(results)
        evaluator = COCOeval(truth, found, "bbox")
        evaluator.params.maxDets = [1, 10, max_dets]
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    stats = [float(v) if v >= 0 else float("nan") for v in evaluator.stats[:3]]
    return dict(zip(("coco_ap", "coco_ap50", "coco_ap75"), stats, strict=True))
