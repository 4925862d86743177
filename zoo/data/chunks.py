"""Inference batches that the Keras models and the exported files cut alike (numpy only).

Example:
    >>> [(batch.shape, n) for batch, n in padded_chunks([np.zeros(2)] * 3, 2, pad=True)]
    [((2, 2), 2), ((2, 2), 1)]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


def image_list(images: np.ndarray | Sequence[np.ndarray]) -> list:
    """``images`` as a list; one ``(H, W, C)`` array is a list of one."""
    if isinstance(images, np.ndarray) and images.ndim == 3:
        return [images]
    return list(images)


def indices_by_size(images: list) -> dict[tuple[int, int], list[int]]:
    """The indices of ``images`` grouped by ``(height, width)``, in order; an image that is
    not ``(H, W, 3)`` raises ``ValueError`` naming its index (same-size batches for
    ``segment``)."""
    by_size: dict[tuple[int, int], list[int]] = {}
    for i, img in enumerate(images):
        if img.ndim != 3 or img.shape[-1] != 3:
            raise ValueError(f"image {i}: expected (H, W, 3) RGB, got shape {img.shape}")
        by_size.setdefault(tuple(img.shape[:2]), []).append(i)
    return by_size


def padded_chunks(items: list, size: int, pad: bool) -> Iterator[tuple[np.ndarray, int]]:
    """``(np.stack(chunk), n)`` for chunks of ``size`` items, ``n`` of them real; with ``pad``
    a short last chunk repeats its last item up to ``size`` (one shape: no retrace)."""
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        n = len(chunk)
        if pad and n < size:
            chunk = chunk + [chunk[-1]] * (size - n)
        yield np.stack(chunk), n
