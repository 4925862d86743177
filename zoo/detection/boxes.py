"""Box arithmetic in numpy: IoU matrix, format conversions and clipping.

Boxes are ``(N, 4)`` arrays in pixels. ``xyxy`` is ``x1, y1, x2, y2`` (corners, continuous
coordinates: a box covering pixel columns 0..9 is ``0, 10``); ``cxcywh`` is centre and size;
``xywh`` is COCO's top-left corner and size. Conversions keep the input's float dtype.

Example:
    >>> import numpy as np
    >>> a = np.array([[0, 0, 10, 10]], np.float32)
    >>> float(iou_matrix(a, a + [5, 0, 5, 0])[0, 0])
    0.3333333333333333
    >>> xyxy_to_cxcywh(a).tolist()
    [[5.0, 5.0, 10.0, 10.0]]
"""

from __future__ import annotations

import numpy as np


def _as_boxes(boxes: np.ndarray) -> np.ndarray:
    arr = np.asarray(boxes)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float32)
    if arr.size == 0:
        return arr.reshape(0, 4)
    if arr.shape[-1] != 4:
        raise ValueError(f"boxes must have 4 values in the last axis, got shape {arr.shape}")
    return arr


def box_area(boxes: np.ndarray) -> np.ndarray:
    """Area of ``xyxy`` boxes; negative sizes count as zero.

    Example:
        >>> box_area(np.array([[0, 0, 2, 3]], np.float32)).tolist()
        [6.0]
    """
    b = _as_boxes(boxes)
    return np.maximum(b[..., 2] - b[..., 0], 0) * np.maximum(b[..., 3] - b[..., 1], 0)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between every box of ``a`` (N, 4) and of ``b`` (M, 4), ``xyxy``; float64 (N, M).

    Areas are ``(x2 - x1) * (y2 - y1)`` with no ``+ 1``, as in pycocotools.

    Example:
        >>> iou_matrix(np.zeros((2, 4)), np.zeros((3, 4))).shape
        (2, 3)
    """
    a = _as_boxes(a).astype(np.float64)
    b = _as_boxes(b).astype(np.float64)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.maximum(rb - lt, 0)
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return iou


def xyxy_to_cxcywh(boxes: np.ndarray) -> np.ndarray:
    """Corners to centre and size.

    Example:
        >>> xyxy_to_cxcywh(np.array([[0.0, 0.0, 4.0, 2.0]])).tolist()
        [[2.0, 1.0, 4.0, 2.0]]
    """
    b = _as_boxes(boxes)
    wh = b[..., 2:] - b[..., :2]
    return np.concatenate([b[..., :2] + wh / 2, wh], axis=-1)


def cxcywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """Centre and size to corners.

    Example:
        >>> cxcywh_to_xyxy(np.array([[2.0, 1.0, 4.0, 2.0]])).tolist()
        [[0.0, 0.0, 4.0, 2.0]]
    """
    b = _as_boxes(boxes)
    half = b[..., 2:] / 2
    return np.concatenate([b[..., :2] - half, b[..., :2] + half], axis=-1)


def xyxy_to_xywh(boxes: np.ndarray) -> np.ndarray:
    """Corners to COCO's top-left corner and size.

    Example:
        >>> xyxy_to_xywh(np.array([[1.0, 2.0, 4.0, 6.0]])).tolist()
        [[1.0, 2.0, 3.0, 4.0]]
    """
    b = _as_boxes(boxes)
    return np.concatenate([b[..., :2], b[..., 2:] - b[..., :2]], axis=-1)


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """COCO's top-left corner and size to corners.

    Example:
        >>> xywh_to_xyxy(np.array([[1.0, 2.0, 3.0, 4.0]])).tolist()
        [[1.0, 2.0, 4.0, 6.0]]
    """
    b = _as_boxes(boxes)
    return np.concatenate([b[..., :2], b[..., :2] + b[..., 2:]], axis=-1)


def clip_boxes(boxes: np.ndarray, width: float, height: float) -> np.ndarray:
    """Clip ``xyxy`` boxes to the image ``[0, width] x [0, height]`` (returns a copy).

    Example:
        >>> clip_boxes(np.array([[-5.0, 2.0, 30.0, 8.0]]), 20, 10).tolist()
        [[0.0, 2.0, 20.0, 8.0]]
    """
    b = _as_boxes(boxes).copy()
    b[..., 0::2] = np.clip(b[..., 0::2], 0, width)
    b[..., 1::2] = np.clip(b[..., 1::2], 0, height)
    return b
