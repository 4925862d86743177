"""COCO box AP written out in numpy: the tests' independent check of pycocotools' numbers.

The runtime scores COCO AP with pycocotools (``zoo.detection.coco_eval``); this module
re-derives the same protocol from its description (area range all, at most ``max_dets``
detections per image and class, 101 recall points, IoU >= threshold, crowd regions absorbing
any number of detections by intersection over detection area) so that a wrong call of the
library (ids, box format, crowd flags) shows up as a difference.
"""

from __future__ import annotations

import numpy as np

from zoo.detection.boxes import iou_matrix

COCO_IOUS = np.linspace(0.5, 0.95, 10)
COCO_RECALLS = np.linspace(0.0, 1.0, 101)


def _crowd_iou(dets: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """Intersection over detection area (pycocotools' overlap with crowd regions)."""
    lt = np.maximum(dets[:, None, :2], crowd[None, :, :2])
    rb = np.minimum(dets[:, None, 2:], crowd[None, :, 2:])
    wh = np.maximum(rb - lt, 0)
    inter = wh[..., 0] * wh[..., 1]
    area = (dets[:, 2] - dets[:, 0]) * (dets[:, 3] - dets[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area[:, None] > 0, inter / area[:, None], 0.0)


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


def numpy_coco_ap(gt: list[dict], dets: list[dict], n_classes: int, max_dets: int = 100) -> dict:
    """``coco_ap``, ``coco_ap50``, ``coco_ap75`` computed here (means over classes with truth)."""
    coco = [[] for _ in range(n_classes)]
    n_pos = np.zeros(n_classes, np.int64)
    for g, d in zip(gt, dets, strict=True):
        g_boxes = np.asarray(g["boxes"], np.float64).reshape(-1, 4)
        g_labels = np.asarray(g["labels"]).reshape(-1).astype(np.int64)
        diff = g.get("difficult")
        g_diff = np.zeros(len(g_boxes), bool) if diff is None else np.asarray(diff, bool)
        d_boxes = np.asarray(d["boxes"], np.float64).reshape(-1, 4)
        d_labels = np.asarray(d["labels"]).reshape(-1).astype(np.int64)
        d_scores = np.asarray(d["scores"], np.float64).reshape(-1)
        np.add.at(n_pos, g_labels[~g_diff], 1)
        if len(d_boxes) == 0:
            continue
        ious_all = iou_matrix(d_boxes, g_boxes)
        crowd_all = _crowd_iou(d_boxes, g_boxes) if g_diff.any() else ious_all
        for c in np.unique(d_labels):
            gi = np.flatnonzero(g_labels == c)
            di = np.flatnonzero(d_labels == c)
            di = di[np.argsort(-d_scores[di], kind="mergesort")][:max_dets]
            gi = gi[np.argsort(g_diff[gi], kind="mergesort")]
            gd = g_diff[gi]
            ious = np.where(gd[None, :], crowd_all[np.ix_(di, gi)], ious_all[np.ix_(di, gi)])
            coco[c].append((d_scores[di], *_coco_match(ious, gd)))
    q = []
    for c in range(n_classes):
        if n_pos[c] == 0:
            continue
        if coco[c]:
            scores = np.concatenate([s for s, _, _ in coco[c]])
            order = np.argsort(-scores, kind="mergesort")
            matched = np.concatenate([m for _, m, _ in coco[c]], axis=1)[:, order]
            ignored = np.concatenate([i for _, _, i in coco[c]], axis=1)[:, order]
            tps, fps = matched & ~ignored, ~matched & ~ignored
        else:
            tps = fps = np.zeros((len(COCO_IOUS), 0), bool)
        q.append(_coco_precision(tps, fps, int(n_pos[c])))
    if not q:
        return {"coco_ap": float("nan"), "coco_ap50": float("nan"), "coco_ap75": float("nan")}
    q = np.stack(q)
    return {
        "coco_ap": float(q.mean()),
        "coco_ap50": float(q[:, 0].mean()),
        "coco_ap75": float(q[:, 5].mean()),
    }
