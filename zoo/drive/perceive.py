"""What a driving model and its folded inference copy share: one pass, both tasks.

The network's outputs are the raw detection heads, then the segmentation logits.
``predict_step`` decodes the heads and runs per-class NMS (:class:`DetectorMixin`) and takes
the argmax of the logits, all in ``keras.ops``: ``predict`` returns ``boxes``, ``scores``,
``classes``, ``num_detections`` and ``mask`` (uint8, network input size).

Example:
    >>> out = model.perceive([frame])[0]  # doctest: +SKIP
    >>> out["mask"].shape == frame.shape[:2], out["boxes"].shape  # doctest: +SKIP
    (True, (3, 4))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from keras import ops

from zoo.detection.decode import decode_heads
from zoo.detection.predict import DetectorMixin
from zoo.drive.views import DetectionView, mask_to_size


class DriveMixin(DetectorMixin):
    """Decoding, NMS, argmax and ``perceive``/``segment``/``detect`` for a functional model
    whose outputs are the raw detection heads followed by segmentation logits.

    The model class provides ``input_size`` ``(h, w)``, ``num_classes`` and ``class_names``
    (segmentation), ``detection_classes``, ``preprocessing``, ``postprocess`` and
    ``head_specs()``.
    """

    task = "drive"

    @property
    def detection_num_classes(self) -> int:
        return len(self.detection_classes)

    def raw_outputs(self, outputs) -> list:
        """The raw detection head tensors (the outputs but the last, the logits)."""
        return list(outputs)[:-1]

    def decode(self, outputs):
        return decode_heads(
            self.raw_outputs(outputs),
            self.head_specs(),
            self.input_size,
            self.detection_num_classes,
        )

    def detection_view(self) -> DetectionView:
        """This model as a detector of its ``detection_classes``."""
        return DetectionView(self)

    def predict_step(self, *args):
        """Network -> detections (:class:`DetectorMixin`) plus ``mask`` (argmax, uint8)."""
        outputs, transforms, state = self._network_step(args)
        outputs = list(outputs)
        out = self.postprocess_outputs(outputs, transforms, self._active_postprocess)
        out["mask"] = ops.cast(ops.argmax(outputs[-1], axis=-1), "uint8")
        return out if state is None else (out, state)

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
        settings = {k: v for k, v in {"conf": conf, "iou": iou}.items() if v is not None}
        if isinstance(images, np.ndarray) and images.ndim == 3:
            images = [images]
        images = list(images)
        results = []
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            batch, transforms = self.prepare(chunk)
            out = self._predict_with(settings, {"images": batch, "transforms": transforms})
            for i, image in enumerate(chunk):
                k = int(out["num_detections"][i])
                h, w = image.shape[:2]
                results.append(
                    {
                        "boxes": out["boxes"][i, :k].astype(np.float32),
                        "scores": out["scores"][i, :k].astype(np.float32),
                        "labels": out["classes"][i, :k].astype(np.int64),
                        "mask": mask_to_size(out["mask"][i], h, w),
                    }
                )
        return results

    def segment(
        self, images: np.ndarray | Sequence[np.ndarray], batch_size: int = 8
    ) -> list[np.ndarray]:
        """A uint8 class-index mask (H, W) for each RGB ``uint8`` image (see :meth:`perceive`)."""
        return [r["mask"] for r in self.perceive(images, batch_size=batch_size)]
