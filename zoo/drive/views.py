"""Keras-free code shared by the Keras and the exported driving models.

Example:
    >>> mask_to_size(np.zeros((2, 2), np.uint8), 4, 6).shape
    (4, 6)
"""

from __future__ import annotations

from collections.abc import Sequence

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


class PerceiveMixin:
    """``perceive``, ``segment`` and ``detection_view`` of a driving model, Keras or exported.

    The class provides ``_perceive_batches(images, conf, iou, batch_size)``, yielding per batch
    ``(out, chunk, to_image)``: the model's padded outputs (``boxes``, ``scores``, ``classes``,
    ``num_detections``, ``mask``), the batch's images and ``to_image(i, boxes)``, which maps
    the ``i``-th image's boxes to its pixels.

    Example:
        >>> model.perceive([frame])[0]["mask"].shape == frame.shape[:2]  # doctest: +SKIP
        True
    """

    def detection_view(self) -> DetectionView:
        """This model as a detector of its ``detection_classes``."""
        return DetectionView(self)

    def perceive(
        self,
        images: np.ndarray | Sequence[np.ndarray],
        conf: float | None = None,
        iou: float | None = None,
        batch_size: int = 8,
    ) -> list[dict]:
        """Both tasks from one pass over RGB ``uint8`` images of any size.

        Returns one dict per image: ``boxes`` ``(K, 4)`` x1 y1 x2 y2 in the image's pixels,
        ``scores``, ``labels`` (indices into ``detection_classes``) and ``mask`` ``(H, W)``
        uint8 indices into ``class_names``. Each image is resized (stretch) to
        ``input_size``; the mask comes back to the image's size (nearest).
        """
        if isinstance(images, np.ndarray) and images.ndim == 3:
            images = [images]
        results = []
        for out, chunk, to_image in self._perceive_batches(list(images), conf, iou, batch_size):
            for i, image in enumerate(chunk):
                k = int(out["num_detections"][i])
                h, w = image.shape[:2]
                results.append(
                    {
                        "boxes": to_image(i, out["boxes"][i, :k]).astype(np.float32),
                        "scores": out["scores"][i, :k].astype(np.float32),
                        "labels": out["classes"][i, :k].astype(np.int64),
                        "mask": mask_to_size(np.asarray(out["mask"][i], np.uint8), h, w),
                    }
                )
        return results

    def segment(
        self, images: np.ndarray | Sequence[np.ndarray], batch_size: int = 8
    ) -> list[np.ndarray]:
        """A uint8 class-index mask (H, W) for each RGB ``uint8`` image (see :meth:`perceive`)."""
        return [r["mask"] for r in self.perceive(images, batch_size=batch_size)]
