"""Decode raw YOLO head tensors into boxes, objectness and class probabilities (``keras.ops``).

A head is described by a *spec* dict:

- ``type``: ``"yolo"`` (YOLOv3: logistic objectness and classes) or ``"region"`` (YOLOv2:
  logistic objectness, softmax classes when ``softmax``);
- ``anchors``: ``[[w, h], ...]`` in input pixels (a region head's grid-unit anchors times
  the stride);
- ``scale_x_y`` (default 1) and ``new_coords`` (0/1): Darknet's centre/size variants;
- ``softmax``: region heads only.

For a raw tensor ``(N, gh, gw, A * (5 + C))`` and cell ``(cx, cy)`` with stride
``(sx, sy) = (W / gw, H / gh)``:

- ``x = (cx + sigma(tx) * s - (s - 1) / 2) * sx``, ``w = exp(tw) * anchor_w`` (``yolo``/``region``);
- ``new_coords=1``: ``x = (cx + tx * s - (s - 1) / 2) * sx``, ``w = 4 * tw**2 * anchor_w``.

Boxes come out as ``xyxy`` in input pixels, in the order (cell row, cell column, anchor),
head after head, as Darknet and OpenCV DNN lay them out.

Example:
    >>> import numpy as np
    >>> raw = np.zeros((1, 10, 10, 3 * 7), "float32")
    >>> spec = {"type": "yolo", "anchors": [[10, 13], [16, 30], [33, 23]]}
    >>> boxes, obj, cls = decode_heads([raw], [spec], (320, 320), num_classes=2)
    >>> tuple(boxes.shape), tuple(cls.shape)
    ((1, 300, 4), (1, 300, 2))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from keras import ops

MAX_LOG_SIZE = 12.0  # exp() argument cap: a box at most e**12 anchors wide, never inf


def cell_grid(grid_h: int, grid_w: int) -> np.ndarray:
    """``(grid_h, grid_w, 1, 2)`` float32 cell offsets ``(cx, cy)``.

    Example:
        >>> cell_grid(2, 3)[1, 2, 0].tolist()
        [2.0, 1.0]
    """
    cy, cx = np.meshgrid(np.arange(grid_h), np.arange(grid_w), indexing="ij")
    return np.stack([cx, cy], -1)[:, :, None, :].astype(np.float32)


def split_head(raw, num_anchors: int, num_classes: int):
    """Reshape ``(N, gh, gw, A * (5 + C))`` to ``(N, gh, gw, A, 5 + C)`` float32."""
    _, gh, gw, _ = raw.shape
    raw = ops.cast(raw, "float32")
    return ops.reshape(raw, (-1, gh, gw, num_anchors, 5 + num_classes))


def decode_head(raw, spec: dict, input_size: tuple[int, int], num_classes: int):
    """Decode one head; returns ``(xy, wh, objectness, class_probs)``, grid-shaped.

    ``xy``/``wh``: ``(N, gh, gw, A, 2)`` box centres and sizes in input pixels;
    ``objectness``: ``(N, gh, gw, A)``; ``class_probs``: ``(N, gh, gw, A, C)``.
    """
    anchors = np.asarray(spec["anchors"], np.float32).reshape(-1, 2)
    p = split_head(raw, len(anchors), num_classes)
    gh, gw = p.shape[1], p.shape[2]
    stride = np.array([input_size[1] / gw, input_size[0] / gh], np.float32)
    scale = float(spec.get("scale_x_y", 1.0))
    new_coords = bool(spec.get("new_coords", 0))
    txy, twh = p[..., 0:2], p[..., 2:4]
    offset = txy if new_coords else ops.sigmoid(txy)
    if scale != 1.0:
        offset = offset * scale - (scale - 1.0) / 2.0
    xy = (offset + cell_grid(gh, gw)) * stride
    if new_coords:
        wh = 4.0 * ops.square(twh) * anchors
    else:
        wh = ops.exp(ops.minimum(twh, MAX_LOG_SIZE)) * anchors
    obj = p[..., 4] if new_coords else ops.sigmoid(p[..., 4])
    logits = p[..., 5:]
    if spec.get("type", "yolo") == "region" and spec.get("softmax", True):
        cls = ops.softmax(logits, axis=-1)
    elif new_coords:
        cls = logits
    else:
        cls = ops.sigmoid(logits)
    return xy, wh, obj, cls


def decode_heads(
    raws: Sequence, specs: Sequence[dict], input_size: tuple[int, int], num_classes: int
):
    """Decode every head and flatten: ``boxes (N, B, 4)`` xyxy input pixels, ``obj (N, B)``,
    ``class_probs (N, B, C)``, ``B`` = all cells x anchors of all heads."""
    if len(raws) != len(specs):
        raise ValueError(f"{len(raws)} head outputs but {len(specs)} head specs")
    all_boxes, all_obj, all_cls = [], [], []
    for raw, spec in zip(raws, specs, strict=True):
        xy, wh, obj, cls = decode_head(raw, spec, input_size, num_classes)
        n = obj.shape[1] * obj.shape[2] * obj.shape[3]
        boxes = ops.concatenate([xy - wh / 2.0, xy + wh / 2.0], axis=-1)
        all_boxes.append(ops.reshape(boxes, (-1, n, 4)))
        all_obj.append(ops.reshape(obj, (-1, n)))
        all_cls.append(ops.reshape(cls, (-1, n, num_classes)))
    return (
        ops.concatenate(all_boxes, axis=1),
        ops.concatenate(all_obj, axis=1),
        ops.concatenate(all_cls, axis=1),
    )
