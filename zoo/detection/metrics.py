"""Detection metrics: Pascal VOC AP50 (all-point and 11-point) in numpy, COCO AP by pycocotools.

``evaluate_detections`` scores detections against ground truth image by image:

- ``ap50``: VOC all-point interpolated AP at IoU > 0.5; a detection takes the ground-truth
  box of its class it overlaps most, a second detection of an already found box is a false
  positive, and detections on ``difficult`` boxes count neither way (the devkit's voc_eval);
- ``ap50_voc07``: the same matches, VOC2007 11-point interpolation;
- ``coco_ap`` (AP@[.5:.95]), ``coco_ap50``, ``coco_ap75``: pycocotools' COCOeval, called by
  :mod:`zoo.detection.coco_eval` (area range all, at most 100 detections per image and
  class, 101 recall points; ``difficult`` boxes are crowd regions);
- ``per_class_ap50``: ``{name: ap50}`` for classes with ground truth; ``n_images``.

Means are over the classes with at least one non-difficult ground-truth box (NaN when none).
IoU uses areas without ``+ 1`` (continuous pixel coordinates), as pycocotools does.

Example:
    >>> import numpy as np
    >>> gt = [{"boxes": np.array([[0, 0, 10, 10]]), "labels": np.array([0])}]
    >>> det = [{"boxes": np.array([[0, 0, 10, 9]]), "scores": np.array([0.9]),
    ...         "labels": np.array([0])}]
    >>> r = evaluate_detections(gt, det, ["cat"])
    >>> r["ap50"], round(r["coco_ap50"], 6), round(r["coco_ap"], 6)
    (1.0, 1.0, 0.9)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zoo.detection.boxes import iou_matrix
from zoo.detection.coco_eval import coco_ap


def _field(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _boxes(item: Any) -> np.ndarray:
    b = _field(item, "boxes")
    return np.zeros((0, 4)) if b is None else np.asarray(b, np.float64).reshape(-1, 4)


def _ints(item: Any, name: str, n: int) -> np.ndarray:
    v = _field(item, name)
    return np.zeros(n, np.int64) if v is None else np.asarray(v).reshape(-1).astype(np.int64)


def _voc_match(ious: np.ndarray, difficult: np.ndarray) -> np.ndarray:
    """voc_eval matching of score-sorted detections: 1 tp, 0 fp, -1 ignored (difficult)."""
    out = np.zeros(len(ious), np.int8)
    if ious.shape[1] == 0:
        return out
    found = np.zeros(ious.shape[1], bool)
    best = ious.argmax(axis=1)
    best_iou = ious[np.arange(len(ious)), best]
    for d in range(len(ious)):
        g = best[d]
        if best_iou[d] > 0.5:
            if difficult[g]:
                out[d] = -1
            elif not found[g]:
                out[d] = 1
                found[g] = True
    return out


def _voc_ap(tp: np.ndarray, fp: np.ndarray, n_pos: int) -> tuple[float, float]:
    """(all-point AP, 11-point AP) from score-sorted tp/fp flags."""
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    rec = tp / n_pos
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    mrec = np.concatenate([[0.0], rec, [1.0]])
    mpre = np.concatenate([[0.0], prec, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    i = np.where(mrec[1:] != mrec[:-1])[0]
    ap = float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))
    ap11 = 0.0
    for t in np.arange(0.0, 1.1, 0.1):
        p = prec[rec >= t]
        ap11 += (float(p.max()) if p.size else 0.0) / 11.0
    return ap, ap11


def evaluate_detections(
    ground_truth: Sequence[Any],
    detections: Sequence[Any],
    class_names: Sequence[str],
    *,
    max_dets: int = 100,
) -> dict[str, Any]:
    """Score detections against ground truth with VOC and COCO AP.

    ``ground_truth``: per image, an object or dict with ``boxes`` (N, 4) ``xyxy`` pixels,
    ``labels`` (N,) and optionally ``difficult`` (N,) — a ``DetectionDataset`` works.
    ``detections``: per image in the same order, ``boxes``, ``scores`` and ``labels``.

    Returns ``ap50``, ``ap50_voc07``, ``coco_ap``, ``coco_ap50``, ``coco_ap75``,
    ``per_class_ap50`` and ``n_images``.

    Example:
        >>> r = evaluate_detections([{"boxes": [[0, 0, 4, 4]], "labels": [0]}],
        ...                         [{"boxes": [], "scores": [], "labels": []}], ["a"])
        >>> r["ap50"], r["coco_ap"], r["n_images"]
        (0.0, 0.0, 1)
    """
    gt_items, det_items = list(ground_truth), list(detections)
    if len(gt_items) != len(det_items):
        raise ValueError(f"{len(gt_items)} ground-truth images but {len(det_items)} detections")
    n_classes = len(class_names)
    voc: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(n_classes)]
    n_pos = np.zeros(n_classes, np.int64)
    truth, found = [], []
    for gt, det in zip(gt_items, det_items, strict=True):
        g_boxes = _boxes(gt)
        g_labels = _ints(gt, "labels", len(g_boxes))
        diff = _field(gt, "difficult")
        g_diff = np.zeros(len(g_boxes), bool) if diff is None else np.asarray(diff, bool)
        d_boxes = _boxes(det)
        d_labels = _ints(det, "labels", len(d_boxes))
        d_scores = np.asarray(_field(det, "scores"), np.float64).reshape(-1)
        for what, labels in (("ground-truth", g_labels), ("detection", d_labels)):
            bad = (labels < 0) | (labels >= n_classes)
            if bad.any():
                raise ValueError(f"{what} label {labels[bad][0]} outside the {n_classes} classes")
        truth.append({"boxes": g_boxes, "labels": g_labels, "difficult": g_diff})
        found.append({"boxes": d_boxes, "scores": d_scores, "labels": d_labels})
        np.add.at(n_pos, g_labels[~g_diff], 1)
        if len(d_boxes) == 0:
            continue
        ious_all = iou_matrix(d_boxes, g_boxes)
        for c in np.unique(d_labels):
            gi = np.flatnonzero(g_labels == c)
            di = np.flatnonzero(d_labels == c)
            di = di[np.argsort(-d_scores[di], kind="mergesort")]
            voc[c].append((d_scores[di], _voc_match(ious_all[np.ix_(di, gi)], g_diff[gi])))

    ap50, ap07, per_class = {}, {}, {}
    for c in range(n_classes):
        if n_pos[c] == 0:
            continue
        if voc[c]:
            scores = np.concatenate([s for s, _ in voc[c]])
            flags = np.concatenate([f for _, f in voc[c]])[np.argsort(-scores, kind="mergesort")]
            ap50[c], ap07[c] = _voc_ap(flags == 1, flags == 0, int(n_pos[c]))
        else:
            ap50[c], ap07[c] = 0.0, 0.0
        per_class[class_names[c]] = ap50[c]

    def mean(values: list[float]) -> float:
        return float(np.mean(values)) if len(values) else float("nan")

    return {
        "ap50": mean(list(ap50.values())),
        "ap50_voc07": mean(list(ap07.values())),
        **coco_ap(truth, found, n_classes, max_dets=max_dets),
        "per_class_ap50": per_class,
        "n_images": len(gt_items),
    }
