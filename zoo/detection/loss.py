"""The YOLOv3 loss in ``keras.ops``, on targets built by :mod:`zoo.detection.targets`.

For each scale, the cell and anchor responsible for a ground-truth box (its best anchor over
all scales, see :func:`zoo.detection.targets.build_targets`) regress it as YOLOv3 does:

- centre: binary cross-entropy between ``sigmoid(tx, ty)`` and the box centre's offset in
  its cell (in ``[0, 1)``);
- size: half squared error between ``tw, th`` and ``log(box size / anchor)``;
- both weighted by ``2 - w * h / (W * H)`` (small boxes count more);
- objectness: binary cross-entropy, 1 at responsible anchors, 0 elsewhere, except that
  anchors whose decoded box overlaps any ground truth with IoU above ``ignore_thresh``
  (0.5) are not pushed to 0;
- classes: independent binary cross-entropies (one-hot targets) at responsible anchors.

All terms are summed and divided by the batch size (YOLOv3's normalisation).

Example:
    >>> total, parts = yolo_loss(raws, y, specs, (320, 320), num_classes=2)  # doctest: +SKIP
    >>> sorted(parts)  # doctest: +SKIP
    ['box', 'class', 'object']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from keras import ops

from zoo.detection.decode import cell_grid, split_head
from zoo.detection.nms import pairwise_iou
from zoo.training.replicas import global_sum, num_replicas

IGNORE_THRESH = 0.5


def _bce(target, logits):
    return ops.binary_crossentropy(target, logits, from_logits=True)


def scale_loss(
    raw,
    target,
    gt_boxes,
    anchors,
    input_size: tuple[int, int],
    num_classes: int,
    ignore_thresh: float = IGNORE_THRESH,
):
    """``(box, object, class)`` loss sums of one scale over the batch.

    Args:
        raw: ``(N, gh, gw, A * (5 + C))`` head output.
        target: ``(N, gh, gw, A, 5 + C)``: ``cx, cy, w, h`` (input pixels), objectness and
            one-hot classes at responsible anchors, zeros elsewhere.
        gt_boxes: ``(N, M, 4)`` every ground-truth box, ``xyxy`` input pixels, zero padded.
        anchors: ``(A, 2)`` anchor sizes in input pixels.
    """
    anchors = np.asarray(anchors, np.float32).reshape(-1, 2)
    p = split_head(raw, len(anchors), num_classes)
    target = ops.cast(target, "float32")
    gh, gw = p.shape[1], p.shape[2]
    height, width = float(input_size[0]), float(input_size[1])
    stride = np.array([width / gw, height / gh], np.float32)
    grid = cell_grid(gh, gw)

    obj = target[..., 4]
    gxy, gwh = target[..., 0:2], target[..., 2:4]
    positive = ops.greater(obj, 0.0)
    txy = ops.clip(gxy / stride - grid, 0.0, 1.0)
    safe_wh = ops.where(positive[..., None], gwh, anchors)
    twh = ops.log(ops.maximum(safe_wh, 1e-6) / anchors)
    weight = obj * (2.0 - gwh[..., 0] * gwh[..., 1] / (width * height))
    xy_loss = ops.sum(_bce(txy, p[..., 0:2]), axis=-1) * weight
    wh_loss = 0.5 * ops.sum(ops.square(twh - p[..., 2:4]), axis=-1) * weight

    # Ignore mask: predictions already overlapping some ground truth are not negatives.
    pxy = (ops.sigmoid(p[..., 0:2]) + grid) * stride
    pwh = ops.exp(ops.minimum(p[..., 2:4], 12.0)) * anchors
    pred = ops.stop_gradient(ops.concatenate([pxy - pwh / 2, pxy + pwh / 2], axis=-1))
    n_pred = gh * gw * len(anchors)
    iou = pairwise_iou(ops.reshape(pred, (-1, n_pred, 4)), ops.cast(gt_boxes, "float32"))
    best = ops.reshape(ops.max(iou, axis=-1), (-1, gh, gw, len(anchors)))
    ignore = ops.cast(ops.less(best, ignore_thresh), "float32")
    obj_weight = obj + (1.0 - obj) * ignore
    obj_loss = _bce(obj, p[..., 4]) * obj_weight

    cls_loss = ops.sum(_bce(target[..., 5:], p[..., 5:]), axis=-1) * obj
    return ops.sum(xy_loss + wh_loss), ops.sum(obj_loss), ops.sum(cls_loss)


def yolo_loss(
    raws: Sequence,
    y: dict,
    specs: Sequence[dict],
    strides: Sequence[int],
    input_size: tuple[int, int],
    num_classes: int,
    ignore_thresh: float = IGNORE_THRESH,
):
    """Total YOLOv3 loss over all scales (per image); returns ``(total, parts)``.

    ``y`` holds ``"s{stride}"`` targets per scale and ``"boxes"`` ``(N, M, 4)``.
    """
    box = obj = cls = 0.0
    for raw, spec, stride in zip(raws, specs, strides, strict=True):
        b, o, c = scale_loss(
            raw,
            y[f"s{stride}"],
            y["boxes"],
            spec["anchors"],
            input_size,
            num_classes,
            ignore_thresh,
        )
        box, obj, cls = box + b, obj + o, cls + c
    # per image of the global batch, also under data parallel training (zoo.training.replicas)
    batch = global_sum(ops.cast(ops.shape(raws[0])[0], "float32"))
    parts = {"box": box / batch, "object": obj / batch, "class": cls / batch}
    return parts["box"] + parts["object"] + parts["class"], parts


def detector_loss(model, y, y_pred):
    """:func:`yolo_loss` of a zoo detector's raw outputs ``y_pred`` against the loader's targets
    ``y``, with the model's own added losses (``model.losses``) over the replicas."""
    total, _ = yolo_loss(
        model.raw_outputs(y_pred),
        y,
        model.head_specs(),
        model.strides,
        model.input_size,
        model.num_classes,
        model.ignore_thresh,
    )
    replicas = num_replicas()  # a TensorFlow strategy sums the replicas' gradients
    for extra in model.losses:
        total = total + ops.sum(ops.cast(extra, "float32")) / replicas
    return total
