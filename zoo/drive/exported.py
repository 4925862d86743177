"""An exported driving model (ONNX, LiteRT) as a zoo driving model: ``perceive``,
``segment`` and ``detect`` with the Keras model's arguments and results.

Each image is brought to the file's input size in numpy exactly as the Keras model does
(:func:`zoo.detection.prepare.prepare_image`); boxes and masks are mapped back.

Example:
    >>> model = zoo.load("drive-camvid-coco.tflite")  # doctest: +SKIP
    >>> model.perceive([frame])[0]["mask"].shape  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from zoo.drive.views import PerceiveMixin
from zoo.runtime.exported import ExportedModel


class ExportedDrive(PerceiveMixin, ExportedModel):
    """An exported :class:`zoo.drive.model.DriveModel`."""

    task = "drive"

    def __init__(self, runner):
        super().__init__(runner)
        self.input_size = tuple(int(v) for v in self.metadata["input_size"])
        self.detection_classes = list(self.metadata["detection_classes"])
        self.ignore_index = self.metadata.get("ignore_index")
        self.postprocess = dict(self.metadata.get("postprocess") or {})

    def _perceive_batches(self, images: list, conf, iou, batch_size: int):
        """``(outputs, images, to_image)`` per batch (:class:`PerceiveMixin`): each image
        brought to the file's input size as the Keras model does; boxes mapped back."""
        from zoo.detection.prepare import prepared_batches

        conf = np.asarray(self.postprocess.get("conf", 0.25) if conf is None else conf, np.float32)
        iou = np.asarray(self.postprocess.get("iou", 0.45) if iou is None else iou, np.float32)
        size, pad = self._chunking(len(images), batch_size)
        done = 0
        for batch, transforms, n in prepared_batches(
            images, self.input_size, self.preprocessing, size, pad
        ):
            out = self.runner.run(images=batch, conf=conf, iou=iou)
            yield out, images[done : done + n], lambda i, boxes, ts=transforms: ts[i].invert(boxes)
            done += n

    def detect(self, images, conf=None, iou=None, max_det=None, batch_size: int = 8, **settings):
        """Detections only (``max_det`` may lower the file's; other settings are fixed)."""
        results = self.perceive(images, conf=conf, iou=iou, batch_size=batch_size)
        keep = int(max_det) if max_det else None
        return [{k: r[k][:keep] for k in ("boxes", "scores", "labels")} for r in results]
