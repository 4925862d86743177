"""Keras-free helpers shared by the Keras and the exported driving models.

Example:
    >>> mask_to_size(np.zeros((2, 2), np.uint8), 4, 6).shape
    (4, 6)
"""

from __future__ import annotations

import cv2
import numpy as np


def mask_to_size(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """A class-index mask resized (nearest) to ``height`` x ``width``.

    Example:
        >>> mask_to_size(np.eye(2, dtype=np.uint8), 4, 4)[:, 0].tolist()
        [1, 1, 0, 0]
    """
    if mask.shape[:2] == (height, width):
        return mask
    return cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST)


class DetectionView:
    """The detection half of a driving model, as a detector (``detect`` and its classes),
    for :func:`zoo.detection.evaluate.evaluate_detection`.

    Example:
        >>> evaluate_detection(DetectionView(model), "coco128", split=None)  # doctest: +SKIP
    """

    task = "detection"

    def __init__(self, model):
        self.model = model
        self.class_names = list(model.detection_classes)
        self.num_classes = len(self.class_names)

    def detect(self, images, **settings):
        return self.model.detect(images, **settings)
