"""Test-time augmentation for segmentation: class probabilities averaged over mirrored and
rescaled copies of each image, then the arg-max.

Each copy is resized (bilinear) to ``scale`` times the image, scored by the model, turned into
softmax probabilities, resized back to the image's size and summed; ``flip`` adds the
left-right mirror of every scale (its scores mirrored back). Scales 0.75/1/1.25 with flips,
as semantic segmentation benchmarks commonly do, cost six forward passes.

Example:
    >>> masks = segment_with_tta(model, [image], scales=(0.75, 1.0, 1.25), flip=True)
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

DEFAULT_SCALES = (0.75, 1.0, 1.25)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(-1, keepdims=True)


def _resize_batch(batch: np.ndarray, height: int, width: int) -> np.ndarray:
    if batch.shape[1:3] == (height, width):
        return batch
    return np.stack([cv2.resize(x, (width, height), interpolation=cv2.INTER_LINEAR) for x in batch])


def tta_probabilities(
    predict, batch: np.ndarray, scales: Sequence[float] = DEFAULT_SCALES, flip: bool = True
) -> np.ndarray:
    """Mean softmax probabilities ``(N, H, W, C)`` of ``predict`` (images -> logits) over
    ``scales`` (and their mirrors when ``flip``) for a float32 batch ``(N, H, W, 3)``."""
    height, width = batch.shape[1:3]
    total = None
    count = 0
    for scale in scales:
        h, w = max(1, round(height * scale)), max(1, round(width * scale))
        scaled = _resize_batch(batch, h, w)
        for mirrored in (False, True) if flip else (False,):
            x = scaled[:, :, ::-1] if mirrored else scaled
            probs = _softmax(np.asarray(predict(np.ascontiguousarray(x)), np.float32))
            if mirrored:
                probs = probs[:, :, ::-1]
            probs = _resize_batch(np.ascontiguousarray(probs), height, width)
            total = probs if total is None else total + probs
            count += 1
    return total / count


def segment_with_tta(
    model, images: Sequence[np.ndarray], scales: Sequence[float] = DEFAULT_SCALES,
    flip: bool = True,
) -> list[np.ndarray]:  # fmt: skip
    """uint8 class masks of same-size RGB ``images`` (one batch) under test-time augmentation."""
    batch = np.stack(images).astype("float32")

    def predict(x):
        import keras

        return keras.ops.convert_to_numpy(model.predict_on_batch(x))

    probs = tta_probabilities(predict, batch, scales, flip)
    return list(probs.argmax(-1).astype(np.uint8))
