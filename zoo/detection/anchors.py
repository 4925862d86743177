"""Anchor boxes by k-means on box sizes with the ``1 - IoU`` distance (YOLOv2's recipe).

Box sizes are first brought to the model input size, as training will see them: with a
letterbox (one scale per image, aspect kept) or a plain resize (x and y scaled apart).
Clusters start from a k-means++ draw and are updated to the median size of their members;
several seeded restarts keep the best mean IoU. Same data and seed, same anchors.

Example:
    >>> anchors, mean_iou = dataset_anchors(ds, k=5, size=416)  # doctest: +SKIP
    >>> anchors.shape  # doctest: +SKIP
    (5, 2)
"""

from __future__ import annotations

import numpy as np

from zoo.detection.data.sample import DetectionDataset
from zoo.errors import DataError


def wh_iou(wh: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """IoU of sizes aligned at a common corner: ``(N, 2)`` x ``(K, 2)`` -> ``(N, K)``.

    Example:
        >>> wh_iou(np.array([[2.0, 2.0]]), np.array([[2.0, 2.0], [4.0, 1.0]])).tolist()
        [[1.0, 0.3333333333333333]]
    """
    inter = np.minimum(wh[:, None, 0], centers[None, :, 0]) * np.minimum(
        wh[:, None, 1], centers[None, :, 1]
    )
    union = (wh[:, 0] * wh[:, 1])[:, None] + (centers[:, 0] * centers[:, 1])[None, :] - inter
    return inter / union


def box_sizes(
    dataset: DetectionDataset, size: int | tuple[int, int] = 416, letterbox: bool = True
) -> np.ndarray:
    """Box ``(w, h)`` of every box, in pixels of the model input ``size`` ``(height, width)``.

    Example:
        >>> from zoo.detection.data import DetectionSample
        >>> s = DetectionSample("a.jpg", 200, 100, [[0, 0, 50, 50]], [0])
        >>> box_sizes(DetectionDataset(["a"], [s], "."), 100, letterbox=True).tolist()
        [[25.0, 25.0]]
    """
    height, width = (size, size) if isinstance(size, int) else size
    out = []
    for s in dataset.samples:
        sx, sy = width / s.width, height / s.height
        if letterbox:
            sx = sy = min(sx, sy)
        wh = (s.boxes[:, 2:] - s.boxes[:, :2]).astype(np.float64) * [sx, sy]
        out.append(wh)
    wh = np.concatenate(out) if out else np.zeros((0, 2))
    return wh[(wh > 0).all(axis=1)]


def _kmeanspp(wh: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centers = [wh[rng.integers(len(wh))]]
    for _ in range(1, k):
        d = 1 - wh_iou(wh, np.array(centers)).max(axis=1)
        p = d**2
        total = p.sum()
        idx = rng.choice(len(wh), p=p / total) if total > 0 else rng.integers(len(wh))
        centers.append(wh[idx])
    return np.array(centers)


def kmeans_anchors(
    wh: np.ndarray, k: int, seed: int = 0, restarts: int = 3, max_iter: int = 300
) -> tuple[np.ndarray, float]:
    """Cluster box sizes into ``k`` anchors; returns ``(anchors, mean_best_iou)``.

    ``anchors`` is float32 ``(k, 2)`` ``(w, h)`` sorted by area; ``mean_best_iou`` is the mean
    over boxes of the IoU with their best anchor.

    Example:
        >>> wh = np.array([[10, 10], [11, 10], [50, 60], [52, 58]], float)
        >>> anchors, iou = kmeans_anchors(wh, 2)
        >>> anchors.round().tolist(), iou > 0.9
        ([[10.0, 10.0], [51.0, 59.0]], True)
    """
    wh = np.asarray(wh, np.float64).reshape(-1, 2)
    if len(np.unique(wh, axis=0)) < k:
        raise DataError(f"only {len(np.unique(wh, axis=0))} distinct box sizes for {k} anchors")
    rng = np.random.default_rng(seed)
    best, best_iou = None, -1.0
    for _ in range(restarts):
        centers = _kmeanspp(wh, k, rng)
        assign = None
        for _ in range(max_iter):
            iou = wh_iou(wh, centers)
            new = iou.argmax(axis=1)
            if assign is not None and np.array_equal(new, assign):
                break
            assign = new
            for j in range(k):
                members = wh[assign == j]
                if len(members):
                    centers[j] = np.median(members, axis=0)
                else:  # empty cluster: restart it on the worst-covered box
                    centers[j] = wh[wh_iou(wh, centers).max(axis=1).argmin()]
        mean_iou = float(wh_iou(wh, centers).max(axis=1).mean())
        if mean_iou > best_iou:
            best, best_iou = centers.copy(), mean_iou
    assert best is not None
    order = np.argsort(best[:, 0] * best[:, 1], kind="stable")
    return best[order].astype(np.float32), best_iou


def dataset_anchors(
    dataset: DetectionDataset,
    k: int = 5,
    size: int | tuple[int, int] = 416,
    letterbox: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, float]:
    """Anchors for a dataset at a model input ``size`` ``(height, width)``.

    Returns ``(anchors (k, 2) w, h in input pixels sorted by area, mean_best_iou)``.

    Example:
        >>> anchors, mean_iou = dataset_anchors(ds, k=6, size=(320, 320))  # doctest: +SKIP
    """
    wh = box_sizes(dataset, size, letterbox)
    if len(wh) < k:
        raise DataError(f"{dataset.source}: only {len(wh)} boxes, fewer than k={k} anchors")
    return kmeans_anchors(wh, k, seed)
