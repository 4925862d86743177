"""Bring an image to a detector's input size in numpy + OpenCV (no Keras): stretch or letterbox.

Shared by the Keras detectors (:mod:`zoo.detection.predict`) and the exported ones
(:mod:`zoo.runtime.exported`), so both see exactly the same pixels.

Example:
    >>> out, t = prepare_image(np.zeros((100, 200, 3), np.uint8), (64, 64), {"resize": "stretch"})
    >>> out.shape, transform_row(t).tolist()[:2]
    ((64, 64, 3), [0.3199999928474426, 0.6399999856948853])
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from zoo.data.chunks import padded_chunks
from zoo.detection.augment import BORDER, ResizeTransform, letterbox, resize

RESIZE_MODES = ("letterbox", "stretch")


def prepare_image(
    image: np.ndarray, input_size: tuple[int, int], preprocessing: dict
) -> tuple[np.ndarray, ResizeTransform]:
    """Resize (``"stretch"``) or letterbox an RGB ``uint8`` image to ``input_size`` ``(h, w)``.

    ``preprocessing["interpolation"]``: ``"linear"`` (bilinear always, as OpenCV DNN's
    ``blobFromImage``) or ``"auto"`` (area when shrinking, as the training data loader).

    Example:
        >>> out, t = prepare_image(np.zeros((100, 200, 3), np.uint8), (64, 64),
        ...                        {"resize": "letterbox"})
        >>> out.shape, t.pad_y
        ((64, 64, 3), 16.0)
    """
    mode = preprocessing.get("resize", "letterbox")
    if mode not in RESIZE_MODES:
        raise ValueError(f"preprocessing resize={mode!r}; use one of {RESIZE_MODES}")
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    h, w = int(input_size[0]), int(input_size[1])
    if preprocessing.get("interpolation", "auto") == "linear":
        sh, sw = image.shape[:2]
        if mode == "stretch":
            out = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
            return out, ResizeTransform(w / sw, h / sh, 0.0, 0.0, (sh, sw), (h, w))
        r = min(h / sh, w / sw)
        nw, nh = max(1, round(sw * r)), max(1, round(sh * r))
        left, top = (w - nw) // 2, (h - nh) // 2
        out = np.full((h, w, 3), int(preprocessing.get("pad_value", BORDER)), np.uint8)
        out[top : top + nh, left : left + nw] = cv2.resize(
            image, (nw, nh), interpolation=cv2.INTER_LINEAR
        )
        return out, ResizeTransform(nw / sw, nh / sh, float(left), float(top), (sh, sw), (h, w))
    if mode == "stretch":
        return resize(image, (h, w))
    return letterbox(image, (h, w), int(preprocessing.get("pad_value", BORDER)))


def transform_row(t: ResizeTransform) -> np.ndarray:
    """The 6 numbers ``predict_step`` needs to map boxes back: scale, pad, original size."""
    return np.array(
        [t.scale_x, t.scale_y, t.pad_x, t.pad_y, t.src_size[0], t.src_size[1]], np.float32
    )


def prepared_batches(
    images, input_size, preprocessing: dict, size: int, pad: bool
) -> Iterator[tuple[np.ndarray, list[ResizeTransform], int]]:
    """``(batch (B, H, W, 3), transforms of its images, n real images)`` for ``detect``: the
    images brought to the network size as :func:`prepare_image` does, in padded chunks."""
    prepared = [prepare_image(np.asarray(im), input_size, preprocessing) for im in images]
    done = 0
    for batch, n in padded_chunks([x for x, _ in prepared], size, pad):
        yield batch, [t for _, t in prepared[done : done + n]], n
        done += n


def unpack_detections(out: dict, n: int, keep: int | None = None, boxes=None) -> list[dict]:
    """The first ``n`` rows of padded detector outputs (``boxes``, ``scores``, ``classes``,
    ``num_detections``) as one dict per image, at most ``keep`` detections each;
    ``boxes(i, rows)`` maps image ``i``'s boxes (default: as they are)."""
    results = []
    for i in range(n):
        k = int(out["num_detections"][i])
        k = k if keep is None else min(k, keep)
        found = out["boxes"][i, :k]
        results.append(
            {
                "boxes": (found if boxes is None else boxes(i, found)).astype(np.float32),
                "scores": out["scores"][i, :k].astype(np.float32),
                "labels": out["classes"][i, :k].astype(np.int64),
            }
        )
    return results
