"""YOLOv3 training targets in numpy: each box goes to its best anchor over all scales.

A ground-truth box is matched to the single anchor (of all scales) whose size fits it best
(IoU of sizes aligned at a corner, as YOLOv3), and to the grid cell of that anchor's scale
holding its centre. That cell/anchor slot gets ``cx, cy, w, h`` (input pixels), objectness 1
and the one-hot class; when two boxes claim one slot the later one wins, as in Darknet.

Example:
    >>> t = build_targets(np.array([[10, 10, 50, 40]]), np.array([1]), (64, 64), (16, 32),
    ...                   [[[10, 10], [40, 30]], [[60, 60], [64, 64]]], num_classes=2)
    >>> t["s16"].shape, np.argwhere(t["s16"][..., 4]).tolist()
    ((4, 4, 2, 7), [[1, 1, 1]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zoo.detection.anchors import wh_iou


def build_targets(
    boxes: np.ndarray,
    labels: np.ndarray,
    input_size: tuple[int, int],
    strides: Sequence[int],
    anchors: Sequence[Sequence[Sequence[float]]],
    num_classes: int,
) -> dict[str, np.ndarray]:
    """Targets ``{"s{stride}": (H/s, W/s, A, 5 + C) float32}`` for one image.

    Args:
        boxes: ``(M, 4)`` ``xyxy`` in input pixels; labels: ``(M,)`` class indices.
        input_size: ``(height, width)``, a multiple of every stride.
        strides: one per scale; anchors: per scale, ``[[w, h], ...]`` in input pixels.
    """
    height, width = int(input_size[0]), int(input_size[1])
    flat = [(si, ai) for si, a in enumerate(anchors) for ai in range(len(a))]
    all_anchors = np.array([anchors[si][ai] for si, ai in flat], np.float64).reshape(-1, 2)
    out = {
        f"s{s}": np.zeros((height // s, width // s, len(a), 5 + num_classes), np.float32)
        for s, a in zip(strides, anchors, strict=True)
    }
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    wh = boxes[:, 2:] - boxes[:, :2]
    ok = (wh > 0).all(axis=1) & (labels >= 0) & (labels < num_classes)
    if not ok.any():
        return out
    boxes, labels, wh = boxes[ok], labels[ok], wh[ok]
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    best = wh_iou(wh, all_anchors).argmax(axis=1)
    for (cx, cy), (w, h), label, k in zip(centre, wh, labels, best, strict=True):
        si, ai = flat[int(k)]
        s = strides[si]
        grid = out[f"s{s}"]
        gx = min(max(int(cx // s), 0), grid.shape[1] - 1)
        gy = min(max(int(cy // s), 0), grid.shape[0] - 1)
        grid[gy, gx, ai, :] = 0.0
        grid[gy, gx, ai, :5] = (cx, cy, w, h, 1.0)
        grid[gy, gx, ai, 5 + label] = 1.0
    return out


def pad_boxes(boxes: np.ndarray, max_boxes: int) -> np.ndarray:
    """``(max_boxes, 4)`` float32: the first ``max_boxes`` boxes, zero padded.

    Example:
        >>> pad_boxes(np.ones((1, 4)), 3).sum(axis=1).tolist()
        [4.0, 0.0, 0.0]
    """
    out = np.zeros((max_boxes, 4), np.float32)
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)[:max_boxes]
    out[: len(boxes)] = boxes
    return out


def batch_targets(
    items: Sequence[tuple[np.ndarray, np.ndarray]],
    input_size: tuple[int, int],
    strides: Sequence[int],
    anchors: Sequence[Sequence[Sequence[float]]],
    num_classes: int,
    max_boxes: int = 100,
) -> dict[str, np.ndarray]:
    """Stack the targets of ``(boxes, labels)`` per image and add ``"boxes"`` ``(N, M, 4)``.

    Example:
        >>> y = batch_targets([(np.zeros((0, 4)), np.zeros(0))], (64, 64), (32,), [[[8, 8]]], 1)
        >>> y["s32"].shape, y["boxes"].shape
        ((1, 2, 2, 1, 6), (1, 100, 4))
    """
    per_image = [
        build_targets(b, lab, input_size, strides, anchors, num_classes) for b, lab in items
    ]
    y = {key: np.stack([t[key] for t in per_image]) for key in per_image[0]}
    y["boxes"] = np.stack([pad_boxes(b, max_boxes) for b, _ in items])
    return y
