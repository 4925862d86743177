"""Detection metrics: Pascal VOC AP50 (all-point and 11-point) and COCO AP, in numpy.

``evaluate_detections`` scores detections against ground truth image by image:

- ``ap50``: VOC all-point interpolated AP at IoU > 0.5; a detection takes the ground-truth
  box of its class it overlaps most, a second detection of an already found box is a false
  positive, and detections on ``difficult`` boxes count neither way (the devkit's voc_eval);
- ``ap50_voc07``: the same matches, VOC2007 11-point interpolation;
- ``coco_ap`` (AP@[.5:.95]), ``coco_ap50``, ``coco_ap75``: COCO's protocol as pycocotools
  computes it (area range all, at most 100 detections per image and class, 101 recall
  points, IoU >= threshold; ``difficult`` boxes are crowd regions: they may absorb any number
  of detections, overlap is intersection over detection area, and they count neither way);
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

COCO_IOUS = np.linspace(0.5, 0.95, 10)
COCO_RECALLS = np.linspace(0.0, 1.0, 101)


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


def _crowd_iou(dets: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """Intersection over detection area (pycocotools' overlap with crowd regions)."""
    lt = np.maximum(dets[:, None, :2], crowd[None, :, :2])
    rb = np.minimum(dets[:, None, 2:], crowd[None, :, 2:])
    wh = np.maximum(rb - lt, 0)
    inter = wh[..., 0] * wh[..., 1]
    area = (dets[:, 2] - dets[:, 0]) * (dets[:, 3] - dets[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area[:, None] > 0, inter / area[:, None], 0.0)


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


def _coco_match(ious: np.ndarray, crowd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """COCOeval.evaluateImg matching of score-sorted detections at every COCO IoU.

    ``crowd`` must be sorted last (as pycocotools sorts ignored boxes). Returns
    ``(matched, ignored)``, both bool ``(T, D)``.
    """
    t_count, (n_det, n_gt) = len(COCO_IOUS), ious.shape
    matched = np.zeros((t_count, n_det), bool)
    ignored = np.zeros((t_count, n_det), bool)
    if n_gt == 0:
        return matched, ignored
    thresholds = np.minimum(COCO_IOUS, 1 - 1e-10)[:, None]
    gt_taken = np.zeros((t_count, n_gt), bool)
    rows = np.arange(t_count)
    for d in range(n_det):
        if ious[d].max() < thresholds[0, 0]:
            continue
        ok = (ious[d][None, :] >= thresholds) & ~(gt_taken & ~crowd[None, :])
        for group in (~crowd, crowd):
            cand = np.where(ok & group[None, :], ious[d][None, :], -1.0)
            # the last of equal best overlaps, as pycocotools' loop keeps it
            g = n_gt - 1 - cand[:, ::-1].argmax(axis=1)
            hit = (cand[rows, g] >= 0) & ~matched[:, d]
            matched[hit, d] = True
            ignored[hit, d] = crowd[g[hit]]
            gt_taken[rows[hit], g[hit]] = True
        # a crowd match never marks the crowd box as taken for others
        gt_taken[:, crowd] = False
    return matched, ignored


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


def _coco_precision(tps: np.ndarray, fps: np.ndarray, n_pos: int) -> np.ndarray:
    """COCOeval.accumulate: precision at the 101 recall points, ``(T, 101)``."""
    q = np.zeros((tps.shape[0], len(COCO_RECALLS)))
    if tps.shape[1] == 0:
        return q
    tp_sum = np.cumsum(tps, axis=1).astype(float)
    fp_sum = np.cumsum(fps, axis=1).astype(float)
    for t in range(tps.shape[0]):
        rc = tp_sum[t] / n_pos
        pr = tp_sum[t] / (fp_sum[t] + tp_sum[t] + np.spacing(1))
        pr = np.maximum.accumulate(pr[::-1])[::-1]
        inds = np.searchsorted(rc, COCO_RECALLS, side="left")
        valid = inds < len(pr)
        q[t, valid] = pr[inds[valid]]
    return q


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
    # per class: lists over images of (scores, voc flags, coco matched, coco ignored)
    voc: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(n_classes)]
    coco: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in range(n_classes)]
    n_pos = np.zeros(n_classes, np.int64)
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
        np.add.at(n_pos, g_labels[~g_diff], 1)
        if len(d_boxes) == 0:
            continue
        ious_all = iou_matrix(d_boxes, g_boxes)
        crowd_all = _crowd_iou(d_boxes, g_boxes) if g_diff.any() else ious_all
        for c in np.unique(d_labels):
            gi = np.flatnonzero(g_labels == c)
            di = np.flatnonzero(d_labels == c)
            di = di[np.argsort(-d_scores[di], kind="mergesort")]
            gd = g_diff[gi]
            ds = d_scores[di]
            voc[c].append((ds, _voc_match(ious_all[np.ix_(di, gi)], gd)))
            gi = gi[np.argsort(gd, kind="mergesort")]
            gd = g_diff[gi]
            di, ds = di[:max_dets], ds[:max_dets]
            ious = np.where(gd[None, :], crowd_all[np.ix_(di, gi)], ious_all[np.ix_(di, gi)])
            coco[c].append((ds, *_coco_match(ious, gd)))

    ap50, ap07, per_class, coco_q = {}, {}, {}, []
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
        if coco[c]:
            scores = np.concatenate([s for s, _, _ in coco[c]])
            order = np.argsort(-scores, kind="mergesort")
            matched = np.concatenate([m for _, m, _ in coco[c]], axis=1)[:, order]
            ignored = np.concatenate([i for _, _, i in coco[c]], axis=1)[:, order]
            tps, fps = matched & ~ignored, ~matched & ~ignored
        else:
            tps = fps = np.zeros((len(COCO_IOUS), 0), bool)
        coco_q.append(_coco_precision(tps, fps, int(n_pos[c])))

    def mean(values: list[float] | np.ndarray) -> float:
        return float(np.mean(values)) if len(values) else float("nan")

    q = np.stack(coco_q) if coco_q else np.zeros((0, len(COCO_IOUS), len(COCO_RECALLS)))
    return {
        "ap50": mean(list(ap50.values())),
        "ap50_voc07": mean(list(ap07.values())),
        "coco_ap": mean(q.reshape(-1)),
        "coco_ap50": mean(q[:, 0].reshape(-1)),
        "coco_ap75": mean(q[:, 5].reshape(-1)),
        "per_class_ap50": per_class,
        "n_images": len(gt_items),
    }
