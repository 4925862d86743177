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

from keras import ops

from zoo.detection.decode import decode_heads
from zoo.detection.predict import DetectorMixin
from zoo.drive.views import PerceiveMixin


class DriveMixin(PerceiveMixin, DetectorMixin):
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

    def predict_step(self, *args):
        """Network -> detections (:class:`DetectorMixin`) plus ``mask`` (argmax, uint8)."""
        outputs, transforms, state = self._network_step(args)
        outputs = list(outputs)
        out = self.postprocess_outputs(outputs, transforms, self._active_postprocess)
        out["mask"] = ops.cast(ops.argmax(outputs[-1], axis=-1), "uint8")
        return out if state is None else (out, state)

    def _perceive_batches(self, images: list, conf, iou, batch_size: int):
        """``(outputs, images, to_image)`` per batch (:class:`PerceiveMixin`); the boxes
        come out of ``predict_step`` in the images' pixels already."""
        settings = {k: v for k, v in {"conf": conf, "iou": iou}.items() if v is not None}
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            batch, transforms = self.prepare(chunk)
            out = self._predict_with(settings, {"images": batch, "transforms": transforms})
            yield out, chunk, lambda i, boxes: boxes
