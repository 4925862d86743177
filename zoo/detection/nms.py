"""Batched, per-class non-maximum suppression in ``keras.ops`` (TensorFlow and JAX, jit-able).

The candidates of each image are the top ``pre_nms_topk`` (box, class) pairs by score. Boxes
of different classes never suppress each other: the suppression matrix is the IoU matrix
masked to equal classes (exact, unlike adding a large per-class offset to the coordinates).
The greedy rule ("keep a candidate unless a kept, higher-scored candidate of its class
overlaps it by more than the threshold") is solved as the fixed point of

    keep[i] = valid[i] and not any(keep[j] and S[j, i] for j < i)

iterated from ``keep = valid`` in a ``keras.ops.while_loop`` until nothing changes. After
``t`` rounds the first ``t`` entries are final, so the loop ends after at most ``K`` rounds
(usually a handful) with exactly the greedy result, for a whole batch at once.

Example:
    >>> import keras, numpy as np
    >>> boxes = np.array([[[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]]], "float32")
    >>> out = batched_nms(boxes, np.array([[0.9, 0.8, 0.7]]), np.array([[0, 0, 0]]),
    ...                   iou_threshold=0.5, score_threshold=0.1, max_det=5)
    >>> scores = keras.ops.convert_to_numpy(out["scores"])
    >>> int(out["num_detections"][0]), [round(float(s), 2) for s in scores[0, :2]]
    (2, [0.9, 0.7])
"""

from __future__ import annotations

import numpy as np
from keras import ops


def pairwise_iou(a, b):
    """IoU of every ``xyxy`` box of ``a`` ``(..., K, 4)`` with every box of ``b`` ``(..., M, 4)``.

    Areas are ``(x2 - x1) * (y2 - y1)`` (no ``+ 1``); returns ``(..., K, M)``.
    """
    lt = ops.maximum(a[..., :, None, :2], b[..., None, :, :2])
    rb = ops.minimum(a[..., :, None, 2:], b[..., None, :, 2:])
    wh = ops.maximum(rb - lt, 0.0)
    inter = wh[..., 0] * wh[..., 1]

    def area(x):
        return ops.maximum(x[..., 2] - x[..., 0], 0.0) * ops.maximum(x[..., 3] - x[..., 1], 0.0)

    union = area(a)[..., :, None] + area(b)[..., None, :] - inter
    return inter / ops.maximum(union, 1e-9)


def _gather(x, index):
    """``x[n, index[n, k], ...]`` for ``x`` ``(N, K, ...)`` and ``index`` ``(N, k)``."""
    if len(x.shape) == 2:
        return ops.take_along_axis(x, index, axis=1)
    tail = x.shape[2]
    return ops.take_along_axis(x, ops.tile(index[..., None], [1, 1, tail]), axis=1)


def greedy_keep(boxes, classes, valid, iou_threshold: float):
    """Exact greedy NMS keep-mask ``(N, K)`` of score-sorted candidates (highest first).

    Args:
        boxes: ``(N, K, 4)`` ``xyxy``; classes: ``(N, K)`` ints; valid: ``(N, K)`` bool
            (candidates above the score threshold).
        iou_threshold: a candidate is suppressed by a kept one of its class with IoU above it.
    """
    k = boxes.shape[1]
    iou = pairwise_iou(boxes, boxes)
    same = ops.equal(classes[:, :, None], classes[:, None, :])
    earlier = np.triu(np.ones((k, k), bool), 1)  # [j, i]: j ranks above i
    suppress = ops.cast(ops.logical_and(ops.greater(iou, iou_threshold), same), "float32")
    suppress = suppress * earlier.astype("float32")

    def body(keep, _changed):
        hits = ops.matmul(ops.cast(keep, "float32")[:, None, :], suppress)[:, 0, :]
        new = ops.logical_and(valid, ops.less(hits, 0.5))
        return new, ops.any(ops.not_equal(new, keep))

    keep, _ = ops.while_loop(
        lambda keep, changed: changed,
        body,
        (valid, ops.convert_to_tensor(True)),
        maximum_iterations=max(k, 1),
    )
    return keep


LEADING_SIZES = (32, 128)  # candidate counts tried before all K (see top_candidates_nms)


def _nms_leading(boxes, scores, classes, iou_threshold, score_threshold, max_det):
    """NMS of all the given score-sorted candidates, padded to ``max_det``."""
    valid = ops.greater(scores, score_threshold)
    keep = greedy_keep(boxes, classes, valid, iou_threshold)
    masked = ops.where(keep, scores, -1.0)
    k = min(max_det, scores.shape[1])
    top, index = ops.top_k(masked, k)
    ok = ops.greater(top, -0.5)
    out_boxes = ops.where(ok[..., None], _gather(boxes, index), 0.0)
    out_scores = ops.where(ok, top, 0.0)
    out_classes = ops.where(ok, _gather(classes, index), -1)
    if k < max_det:
        pad = max_det - k
        out_boxes = ops.pad(out_boxes, [[0, 0], [0, pad], [0, 0]])
        out_scores = ops.pad(out_scores, [[0, 0], [0, pad]])
        out_classes = ops.pad(out_classes, [[0, 0], [0, pad]], constant_values=-1)
    return {
        "boxes": out_boxes,
        "scores": out_scores,
        "classes": ops.cast(out_classes, "int32"),
        "num_detections": ops.sum(ops.cast(ok, "int32"), axis=1),
    }


def top_candidates_nms(
    scores,
    pick,
    iou_threshold: float,
    score_threshold: float,
    max_det: int,
    pre_nms_topk: int,
    leading_sizes: tuple[int, ...] = LEADING_SIZES,
):
    """NMS of the ``pre_nms_topk`` best of the ``(N, M)`` candidate ``scores``.

    ``pick(index)`` returns the ``(boxes (N, k, 4), classes (N, k))`` of the candidates at
    ``index (N, k)``. Only candidates above ``score_threshold`` take part, so the sort and the
    ``k x k`` IoU matrix are done for the smallest ``k`` of 32, 128 or ``pre_nms_topk`` that
    holds every image's candidates above it, chosen at run time with ``ops.cond``: the same
    result as with ``pre_nms_topk``, at a fraction of the cost for the usual ``conf=0.25``.
    Outputs are padded to ``max_det`` (score 0, class -1). ``leading_sizes=()`` always uses
    ``pre_nms_topk`` (no ``cond``: for converters that cannot carry one, e.g. tf2onnx). The
    thresholds may be scalar tensors.
    """
    k = min(int(pre_nms_topk), scores.shape[1])
    sizes = [size for size in leading_sizes if size < k] + [k]

    def on_top(size):
        def run():
            top, index = ops.top_k(scores, size)
            boxes, classes = pick(index)
            return _nms_leading(
                boxes, top, ops.cast(classes, "int32"), iou_threshold, score_threshold, max_det
            )

        return run

    if len(sizes) == 1:
        return on_top(k)()
    most = ops.max(ops.sum(ops.cast(ops.greater(scores, score_threshold), "int32"), axis=1))

    def from_size(i):
        if i == len(sizes) - 1:
            return on_top(sizes[i])()
        return ops.cond(ops.less_equal(most, sizes[i]), on_top(sizes[i]), lambda: from_size(i + 1))

    return from_size(0)


def detection_nms(
    boxes,
    objectness,
    class_probs,
    iou_threshold: float,
    score_threshold: float,
    max_det: int,
    pre_nms_topk: int = 1000,
    multi_label: bool = False,
    leading_sizes: tuple[int, ...] = LEADING_SIZES,
):
    """Per-class NMS of decoded heads: ``boxes (N, B, 4)``, ``objectness (N, B)``,
    ``class_probs (N, B, C)``; ``score = objectness * class probability``.

    ``multi_label=False`` scores each box for its best class only (OpenCV DNN's samples);
    ``True`` every class of every box (Darknet's ``map``). Returns as :func:`batched_nms`.
    """
    num_boxes, num_classes = class_probs.shape[1], class_probs.shape[2]
    if multi_label:
        scores = ops.reshape(objectness[..., None] * class_probs, (-1, num_boxes * num_classes))

        def pick(index):
            return _gather(boxes, index // num_classes), index % num_classes

    else:
        # top_k, not argmax: same first-index tie rule, and Keras' TF argmax adds a bitwise op
        # (its -0.0 fix) that LiteRT has no builtin kernel for
        best, labels = ops.top_k(class_probs, 1)
        scores, labels = objectness * best[..., 0], labels[..., 0]

        def pick(index):
            return _gather(boxes, index), _gather(labels, index)

    return top_candidates_nms(
        scores, pick, iou_threshold, score_threshold, max_det, pre_nms_topk, leading_sizes
    )


def batched_nms(
    boxes,
    scores,
    classes,
    iou_threshold: float = 0.45,
    score_threshold: float = 0.25,
    max_det: int = 100,
    pre_nms_topk: int = 1000,
):
    """Per-class NMS of ``boxes (N, B, 4)``, ``scores (N, B)``, ``classes (N, B)`` (any order).

    Keeps the ``pre_nms_topk`` best candidates of each image, suppresses, and returns a dict:
    ``boxes (N, max_det, 4)``, ``scores (N, max_det)``, ``classes (N, max_det)`` int32 (``-1``
    in unused slots, sorted by score) and ``num_detections (N,)``.
    """
    boxes = ops.cast(ops.convert_to_tensor(boxes), "float32")
    scores = ops.cast(ops.convert_to_tensor(scores), "float32")
    classes = ops.cast(ops.convert_to_tensor(classes), "int32")

    def pick(index):
        return _gather(boxes, index), _gather(classes, index)

    return top_candidates_nms(scores, pick, iou_threshold, score_threshold, max_det, pre_nms_topk)
