"""Detection augmentation and resizing in numpy + OpenCV, boxes kept in step with pixels.

Images are ``uint8`` ``(H, W, 3)`` RGB; boxes are ``xyxy`` pixels (continuous coordinates:
pixel ``i`` spans ``[i, i + 1]``); ``labels`` is any array whose first axis runs over the
boxes (labels, or labels and difficult flags stacked) and may be ``None``. Geometric
functions return ``(image, boxes, labels)`` and drop boxes that become tiny (a side under
``min_size`` pixels) or mostly cut off (less than ``min_visible`` of their area left).
Sizes are ``(height, width)``.

:func:`letterbox` and :func:`resize` return the image and a :class:`ResizeTransform` that
maps boxes to the resized image (``apply``) and predictions back to original pixels
(``invert``).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> img = np.zeros((100, 200, 3), np.uint8)
    >>> boxes, labels = np.array([[10, 10, 50, 60]], np.float32), np.array([0])
    >>> img, boxes, labels = random_affine(img, boxes, labels, rng)
    >>> img = hsv_jitter(img, rng)
    >>> out, t = letterbox(img, (64, 64))
    >>> out.shape, t.invert(t.apply(boxes)).round(3).tolist() == boxes.round(3).tolist()
    ((64, 64, 3), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from zoo.detection.boxes import box_area, clip_boxes

Size = int | tuple[int, int]
BORDER = 114


def _hw(size: Size) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def _take(labels: np.ndarray | None, keep: np.ndarray) -> np.ndarray | None:
    return None if labels is None else np.asarray(labels)[keep]


def filter_boxes(
    boxes: np.ndarray,
    labels: np.ndarray | None,
    width: int,
    height: int,
    unclipped_area: np.ndarray | None = None,
    min_size: float = 2.0,
    min_visible: float = 0.2,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Clip boxes to the image and drop the tiny or mostly cut-off ones (with their labels).

    Example:
        >>> b, lab = filter_boxes(np.array([[-8, 0, 2, 10], [0, 0, 5, 5]]), np.array([1, 2]), 9, 9)
        >>> b.tolist(), lab.tolist()
        ([[0.0, 0.0, 5.0, 5.0]], [2])
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    before = box_area(boxes) if unclipped_area is None else unclipped_area
    clipped = clip_boxes(boxes, width, height)
    w, h = clipped[:, 2] - clipped[:, 0], clipped[:, 3] - clipped[:, 1]
    keep = (w >= min_size) & (h >= min_size) & (box_area(clipped) >= min_visible * before)
    return clipped[keep], _take(labels, keep)


@dataclass(frozen=True)
class ResizeTransform:
    """Scale then pad: ``x_out = x * scale_x + pad_x`` (same for y); sizes ``(h, w)``."""

    scale_x: float
    scale_y: float
    pad_x: float
    pad_y: float
    src_size: tuple[int, int]
    dst_size: tuple[int, int]

    def apply(self, boxes: np.ndarray) -> np.ndarray:
        """Boxes in original pixels -> boxes in the resized image.

        Example:
            >>> ResizeTransform(0.5, 0.5, 0, 10, (40, 40), (40, 20)).apply([[0, 0, 8, 8]]).tolist()
            [[0.0, 10.0, 4.0, 14.0]]
        """
        b = np.asarray(boxes, np.float32).reshape(-1, 4).copy()
        b[:, 0::2] = b[:, 0::2] * self.scale_x + self.pad_x
        b[:, 1::2] = b[:, 1::2] * self.scale_y + self.pad_y
        return b

    def invert(self, boxes: np.ndarray, clip: bool = True) -> np.ndarray:
        """Boxes in the resized image (e.g. predictions) -> original pixels, clipped.

        Example:
            >>> t = ResizeTransform(0.5, 0.5, 0, 10, (40, 40), (40, 20))
            >>> t.invert([[0, 10, 4, 14]]).tolist()
            [[0.0, 0.0, 8.0, 8.0]]
        """
        b = np.asarray(boxes, np.float32).reshape(-1, 4).copy()
        b[:, 0::2] = (b[:, 0::2] - self.pad_x) / self.scale_x
        b[:, 1::2] = (b[:, 1::2] - self.pad_y) / self.scale_y
        return clip_boxes(b, self.src_size[1], self.src_size[0]) if clip else b


def _resize_to(image: np.ndarray, w: int, h: int) -> np.ndarray:
    shrink = w < image.shape[1] and h < image.shape[0]
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def resize(image: np.ndarray, size: Size) -> tuple[np.ndarray, ResizeTransform]:
    """Plain resize to ``size`` ``(h, w)``, aspect not kept.

    Example:
        >>> out, t = resize(np.zeros((10, 20, 3), np.uint8), (5, 5))
        >>> out.shape, (t.scale_x, t.scale_y)
        ((5, 5, 3), (0.25, 0.5))
    """
    h, w = _hw(size)
    src = image.shape[:2]
    t = ResizeTransform(w / src[1], h / src[0], 0.0, 0.0, (src[0], src[1]), (h, w))
    return _resize_to(image, w, h), t


def letterbox(
    image: np.ndarray, size: Size, color: int = BORDER
) -> tuple[np.ndarray, ResizeTransform]:
    """Resize keeping the aspect ratio and pad (centred) to ``size`` ``(h, w)``.

    Example:
        >>> out, t = letterbox(np.zeros((10, 20, 3), np.uint8), (8, 8))
        >>> out.shape, t.scale_x, t.pad_y
        ((8, 8, 3), 0.4, 2.0)
    """
    h, w = _hw(size)
    sh, sw = image.shape[:2]
    r = min(h / sh, w / sw)
    nw, nh = max(1, round(sw * r)), max(1, round(sh * r))
    left, top = (w - nw) // 2, (h - nh) // 2
    out = np.full((h, w, *image.shape[2:]), color, dtype=image.dtype)
    out[top : top + nh, left : left + nw] = _resize_to(image, nw, nh)
    t = ResizeTransform(nw / sw, nh / sh, float(left), float(top), (sh, sw), (h, w))
    return out, t


def hflip(image: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror left-right.

    Example:
        >>> hflip(np.zeros((4, 10, 3), np.uint8), np.array([[1, 0, 3, 2]]))[1].tolist()
        [[7.0, 0.0, 9.0, 2.0]]
    """
    w = image.shape[1]
    b = np.asarray(boxes, np.float32).reshape(-1, 4).copy()
    b[:, [0, 2]] = w - b[:, [2, 0]]
    return np.ascontiguousarray(image[:, ::-1]), b


def random_hflip(
    image: np.ndarray,
    boxes: np.ndarray,
    labels: np.ndarray | None,
    rng: np.random.Generator,
    p: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Mirror left-right with probability ``p``.

    Example:
        >>> out = random_hflip(np.zeros((4, 4, 3), np.uint8), np.zeros((0, 4)), None,
        ...                    np.random.default_rng(0))
    """
    if rng.random() < p:
        image, boxes = hflip(image, boxes)
    return image, np.asarray(boxes, np.float32).reshape(-1, 4), labels


def random_affine(
    image: np.ndarray,
    boxes: np.ndarray,
    labels: np.ndarray | None,
    rng: np.random.Generator,
    scale: tuple[float, float] = (0.5, 1.5),
    translate: float = 0.1,
    min_size: float = 2.0,
    min_visible: float = 0.2,
    border: int = BORDER,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Random zoom about the centre and shift (fractions of the size); same output size.

    Example:
        >>> img, b, lab = random_affine(np.zeros((50, 50, 3), np.uint8),
        ...                             np.array([[10, 10, 30, 30]]), np.array([3]),
        ...                             np.random.default_rng(1))
        >>> img.shape, b.shape[1]
        ((50, 50, 3), 4)
    """
    h, w = image.shape[:2]
    s = float(rng.uniform(*scale))
    tx = float(rng.uniform(-translate, translate)) * w
    ty = float(rng.uniform(-translate, translate)) * h
    # continuous coordinates: x' = s * x + cx; pixel-index space differs by half a pixel
    cx, cy = (1 - s) * w / 2 + tx, (1 - s) * h / 2 + ty
    m = np.array([[s, 0, cx + 0.5 * s - 0.5], [0, s, cy + 0.5 * s - 0.5]], np.float64)
    out = cv2.warpAffine(
        image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(border, border, border)
    )
    b = np.asarray(boxes, np.float32).reshape(-1, 4) * s
    b[:, 0::2] += cx
    b[:, 1::2] += cy
    b, labels = filter_boxes(b, labels, w, h, box_area(b), min_size, min_visible)
    return out, b, labels


def hsv_jitter(
    image: np.ndarray,
    rng: np.random.Generator,
    hue: float = 0.015,
    saturation: float = 0.7,
    value: float = 0.4,
) -> np.ndarray:
    """Random gains on hue, saturation and value of an RGB ``uint8`` image.

    Example:
        >>> hsv_jitter(np.full((2, 2, 3), 100, np.uint8), np.random.default_rng(0)).dtype
        dtype('uint8')
    """
    gains = rng.uniform(-1, 1, 3) * [hue, saturation, value] + 1
    hh, ss, vv = cv2.split(cv2.cvtColor(image, cv2.COLOR_RGB2HSV))
    x = np.arange(256, dtype=np.float64)
    lut_h = ((x * gains[0]) % 180).astype(np.uint8)
    lut_s = np.clip(x * gains[1], 0, 255).astype(np.uint8)
    lut_v = np.clip(x * gains[2], 0, 255).astype(np.uint8)
    hsv = cv2.merge((cv2.LUT(hh, lut_h), cv2.LUT(ss, lut_s), cv2.LUT(vv, lut_v)))
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def mosaic(
    items: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray | None]],
    size: Size,
    rng: np.random.Generator,
    scale: tuple[float, float] = (0.5, 1.0),
    min_size: float = 2.0,
    min_visible: float = 0.2,
    border: int = BORDER,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Four ``(image, boxes, labels)`` tiled around a random centre into one ``size`` image.

    Each image is scaled to fit ``size`` times a random factor in ``scale`` and put in its
    quadrant with a corner on the centre (top-left, top-right, bottom-left, bottom-right).

    Example:
        >>> tile = (np.zeros((40, 60, 3), np.uint8), np.array([[5, 5, 30, 30]]), np.array([0]))
        >>> img, b, lab = mosaic([tile] * 4, 64, np.random.default_rng(0))
        >>> img.shape
        (64, 64, 3)
    """
    if len(items) != 4:
        raise ValueError(f"mosaic needs 4 images, got {len(items)}")
    h, w = _hw(size)
    xc = int(rng.uniform(0.25 * w, 0.75 * w))
    yc = int(rng.uniform(0.25 * h, 0.75 * h))
    canvas = np.full((h, w, 3), border, np.uint8)
    all_boxes, all_labels = [], []
    has_labels = all(lab is not None for _, _, lab in items)
    regions = [(0, 0, xc, yc), (xc, 0, w, yc), (0, yc, xc, h), (xc, yc, w, h)]
    for q, ((img, boxes, labels), (rx1, ry1, rx2, ry2)) in enumerate(
        zip(items, regions, strict=True)
    ):
        sh, sw = img.shape[:2]
        r = min(h / sh, w / sw) * float(rng.uniform(*scale))
        tw, th = max(1, round(sw * r)), max(1, round(sh * r))
        tile = _resize_to(img, tw, th)
        ox = xc - tw if q in (0, 2) else xc
        oy = yc - th if q in (0, 1) else yc
        x1, y1, x2, y2 = max(rx1, ox), max(ry1, oy), min(rx2, ox + tw), min(ry2, oy + th)
        if x2 > x1 and y2 > y1:
            canvas[y1:y2, x1:x2] = tile[y1 - oy : y2 - oy, x1 - ox : x2 - ox]
        b = np.asarray(boxes, np.float32).reshape(-1, 4).copy()
        b[:, 0::2] = b[:, 0::2] * (tw / sw) + ox
        b[:, 1::2] = b[:, 1::2] * (th / sh) + oy
        area = box_area(b)
        # clip to the part of the tile that is visible: shift into the region's frame
        shifted = b - np.array([x1, y1, x1, y1], np.float32)
        kept, lab = filter_boxes(
            shifted,
            np.arange(len(b)),
            max(x2 - x1, 0),
            max(y2 - y1, 0),
            area,
            min_size,
            min_visible,
        )
        all_boxes.append(kept + np.array([x1, y1, x1, y1], np.float32))
        if has_labels:
            all_labels.append(np.asarray(labels)[lab])
    out_boxes = np.concatenate(all_boxes).astype(np.float32).reshape(-1, 4)
    out_labels = np.concatenate(all_labels) if has_labels else None
    return canvas, out_boxes, out_labels
