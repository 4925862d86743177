"""Class weights by median frequency balancing (Eigen & Fergus 2015, as used by SegNet).

``freq(c) = pixels of class c / total pixels of the images where c is present`` and
``weight(c) = median(freq) / freq(c)``; void pixels are left out of both counts. A class that
never occurs gets weight 0 (and is left out of the median).

Example:
    >>> masks = [np.array([[0, 0, 0, 1]]), np.array([[0, 0, 2, 2]])]
    >>> [round(float(w), 3) for w in median_frequency_weights(masks, num_classes=3)]
    [0.8, 2.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def class_pixel_counts(
    masks: Iterable[np.ndarray], num_classes: int, ignore_index: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(pixels of c, total pixels of the images containing c)`` per class.

    Values outside ``0..num_classes-1`` (void included) are left out of both counts.

    Example:
        >>> class_pixel_counts([np.array([[0, 1, 255]])], 3, 255)
        (array([1, 1, 0]), array([2, 2, 0]))
    """
    counts = np.zeros(num_classes, np.int64)
    image_totals = np.zeros(num_classes, np.int64)
    for mask in masks:
        values = np.asarray(mask).ravel()
        valid = (values >= 0) & (values < num_classes)
        if ignore_index is not None:
            valid &= values != ignore_index
        per_class = np.bincount(values[valid], minlength=num_classes)[:num_classes]
        counts += per_class
        image_totals[per_class > 0] += int(valid.sum())
    return counts, image_totals


def median_frequency_weights(
    masks: Iterable[np.ndarray], num_classes: int, ignore_index: int | None = None
) -> np.ndarray:
    """Median-frequency-balanced class weights (float32, shape ``(num_classes,)``).

    Example:
        >>> [round(float(w), 3) for w in median_frequency_weights([np.array([[0, 0, 0, 1]])], 2)]
        [0.667, 2.0]
    """
    counts, totals = class_pixel_counts(masks, num_classes, ignore_index)
    present = counts > 0
    weights = np.zeros(num_classes, np.float64)
    if present.any():
        freq = counts[present] / totals[present]
        weights[present] = np.median(freq) / freq
    return weights.astype(np.float32)


def dataset_class_weights(dataset) -> np.ndarray:
    """Median frequency weights over every mask of a
    :class:`~zoo.segmentation.data.readers.SegmentationDataset`.

    Example:
        >>> w = dataset_class_weights(read_camvid(data_root() / "camvid"))  # doctest: +SKIP
        >>> w.shape  # doctest: +SKIP
        (11,)
    """
    from zoo.segmentation.data.io import read_mask

    masks = (read_mask(path) for path in dataset.mask_paths)
    return median_frequency_weights(masks, dataset.num_classes, dataset.ignore_index)
