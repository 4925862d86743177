"""What every zoo detector shares: image preparation, decoding + NMS in ``predict_step``.

A detector model takes fixed-size ``(N, H, W, 3)`` RGB in 0..255. The numpy side brings each
image to that size with a plain resize (``"stretch"``, as Darknet and OpenCV DNN do) or a
``"letterbox"`` (aspect kept, grey border), as the model's ``preprocessing["resize"]`` says,
and records the transform as 6 numbers ``[scale_x, scale_y, pad_x, pad_y, height, width]``
(``x_in = x * scale_x + pad_x``; original height and width for clipping).

``predict_step`` takes either a batch of images (boxes come back in input pixels) or a dict
``{"images": ..., "transforms": (N, 6)}`` (boxes in original pixels), decodes the heads and
runs per-class NMS, all in ``keras.ops``; ``model.predict`` returns a dict of padded arrays
``boxes (N, max_det, 4)``, ``scores``, ``classes`` (``-1`` = empty slot), ``num_detections``.

Example:
    >>> dets = model.detect([image], conf=0.25, iou=0.45)  # doctest: +SKIP
    >>> dets[0]["boxes"], dets[0]["scores"], dets[0]["labels"]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from zoo.blocks.fold import fold_batch_norm
from zoo.data.chunks import image_list
from zoo.detection.decode import decode_heads
from zoo.detection.nms import detection_nms
from zoo.detection.prepare import (  # noqa: F401
    RESIZE_MODES,
    prepare_image,
    prepared_batches,
    transform_row,
    unpack_detections,
)

DEFAULT_POSTPROCESS = {
    "conf": 0.25,
    "iou": 0.45,
    "max_det": 100,
    "pre_nms_topk": 1000,
    "multi_label": False,
}
NORMALIZATION_KEYS = ("mean", "std", "scale", "bgr")


def normalization_args(preprocessing: dict) -> dict:
    """The :class:`ImageNormalization` arguments of a ``preprocessing`` dict."""
    return {k: preprocessing[k] for k in NORMALIZATION_KEYS if k in preprocessing}


def boxes_to_original(boxes, transforms):
    """Map ``(N, K, 4)`` input-pixel boxes to original pixels with ``(N, 6)`` transforms.

    The result is clipped to each original image.
    """
    t = ops.cast(transforms, "float32")
    sx, sy, px, py = (t[:, i][:, None] for i in range(4))
    height, width = t[:, 4][:, None], t[:, 5][:, None]

    def fix(v, pad, scale, limit):
        return ops.minimum(ops.maximum((v - pad) / scale, 0.0), limit)

    return ops.stack(
        [
            fix(boxes[..., 0], px, sx, width),
            fix(boxes[..., 1], py, sy, height),
            fix(boxes[..., 2], px, sx, width),
            fix(boxes[..., 3], py, sy, height),
        ],
        axis=-1,
    )


class DetectorMixin:
    """Decoding, NMS and ``detect`` for a functional ``keras.Model`` with YOLO-style heads.

    The model class provides ``input_size`` ``(h, w)``, ``num_classes``, ``class_names``,
    ``preprocessing`` (with ``resize``), ``postprocess`` (see ``DEFAULT_POSTPROCESS``) and
    ``head_specs()`` (one :mod:`zoo.detection.decode` spec per raw output, in output order).
    """

    task = "detection"
    _active_postprocess: dict | None = None

    def head_specs(self) -> list[dict]:
        raise NotImplementedError

    def for_inference(self):
        """A faster inference-only copy, batch norm folded (:mod:`zoo.detection.inference`)."""
        return inference_copy(self)

    def raw_outputs(self, outputs) -> list:
        """The model's outputs as a list (one tensor per head)."""
        return list(outputs) if isinstance(outputs, list | tuple) else [outputs]

    def decode(self, outputs):
        """``(boxes (N, B, 4) xyxy input pixels, objectness (N, B), class_probs (N, B, C))``."""
        return decode_heads(
            self.raw_outputs(outputs), self.head_specs(), self.input_size, self.num_classes
        )

    def postprocess_outputs(self, outputs, transforms=None, settings: dict | None = None):
        """Decode raw outputs and run per-class NMS; boxes in original pixels with transforms."""
        s = {**DEFAULT_POSTPROCESS, **self.postprocess, **(settings or {})}
        boxes, obj, cls = self.decode(outputs)
        out = detection_nms(
            boxes,
            obj,
            cls,
            float(s["iou"]),
            float(s["conf"]),
            int(s["max_det"]),
            int(s["pre_nms_topk"]),
            bool(s["multi_label"]),
        )
        if transforms is not None:
            out["boxes"] = boxes_to_original(out["boxes"], transforms)
        else:
            h, w = (float(v) for v in self.input_size)
            limit = np.array([w, h, w, h], np.float32)
            out["boxes"] = ops.minimum(ops.maximum(out["boxes"], 0.0), limit)
        return out

    def _network_step(self, args) -> tuple:
        """``(raw outputs, transforms or None, JAX state or None)`` of Keras' own
        ``predict_step`` on the images of ``predict_step``'s data."""
        data = args[-1]
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        transforms = None
        if isinstance(x, dict):
            transforms = x.get("transforms")
            x = x["images"]
        outputs = super().predict_step(*args[:-1], x)
        state = None
        if keras.backend.backend() == "jax":
            outputs, state = outputs
        return outputs, transforms, state

    def predict_step(self, *args):
        """Raw heads -> decoded, NMS-filtered detections (see the module docstring)."""
        outputs, transforms, state = self._network_step(args)
        out = self.postprocess_outputs(outputs, transforms, self._active_postprocess)
        return out if state is None else (out, state)

    def prepare(self, images: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Images -> ``(batch float32 (N, H, W, 3), transforms (N, 6))`` for ``predict``."""
        batch, rows = [], []
        for image in images:
            out, t = prepare_image(np.asarray(image), self.input_size, self.preprocessing)
            batch.append(out)
            rows.append(transform_row(t))
        return np.stack(batch).astype(np.float32), np.stack(rows)

    def _predict_with(self, settings: dict, data) -> dict:
        """``predict_on_batch`` with these post-processing settings (one compiled function
        kept per settings; ``model.predict`` keeps the model's own ``postprocess``)."""
        active = {**DEFAULT_POSTPROCESS, **self.postprocess, **settings}
        key = tuple(sorted(active.items()))
        functions = self.__dict__.setdefault("_zoo_detect_functions", {})
        default_function = self.predict_function
        self.predict_function = functions.get(key)
        self._active_postprocess = active
        try:
            out = self.predict_on_batch(data)
        finally:
            functions[key] = self.predict_function
            self.predict_function = default_function
            self._active_postprocess = None
        return {k: np.asarray(keras.ops.convert_to_numpy(v)) for k, v in out.items()}

    def detect(
        self,
        images: np.ndarray | Sequence[np.ndarray],
        conf: float | None = None,
        iou: float | None = None,
        max_det: int | None = None,
        batch_size: int = 8,
        **settings,
    ) -> list[dict]:
        """Detect objects in RGB ``uint8`` images of any size.

        Returns one dict per image: ``boxes`` ``(K, 4)`` ``x1, y1, x2, y2`` in the image's own
        pixels, ``scores`` ``(K,)`` and ``labels`` ``(K,)`` class indices (``class_names``),
        best first. ``conf``/``iou``/``max_det`` default to the model's ``postprocess``;
        ``settings`` may also set ``multi_label`` and ``pre_nms_topk``.

        Example:
            >>> model.detect(np.zeros((480, 640, 3), np.uint8), conf=0.5)  # doctest: +SKIP
            [{'boxes': array([], shape=(0, 4), ...), 'scores': ..., 'labels': ...}]
        """
        given = {"conf": conf, "iou": iou, "max_det": max_det, **settings}
        unknown = set(given) - set(DEFAULT_POSTPROCESS)
        if unknown:
            raise TypeError(f"unknown detect() settings: {sorted(unknown)}")
        settings = {k: v for k, v in given.items() if v is not None}
        images = image_list(images)
        results = []
        batches = prepared_batches(
            images, self.input_size, self.preprocessing, batch_size, len(images) > batch_size
        )
        for batch, transforms, n in batches:
            rows = np.stack([transform_row(t) for t in transforms])
            if len(rows) < len(batch):
                rows = np.concatenate([rows, np.repeat(rows[-1:], len(batch) - n, 0)])
            data = {"images": batch.astype(np.float32), "transforms": rows}
            results += unpack_detections(self._predict_with(settings, data), n)
        return results


class InferenceDetector(DetectorMixin, keras.Model):
    """A folded detector network carrying the decoding settings of the model it came from.

    Args:
        network: the folded functional network (raw head outputs).
        source: the detector it was made from (a :class:`DetectorMixin` model).
    """

    def __init__(self, network: keras.Model, source, **kwargs):
        super().__init__(inputs=network.inputs, outputs=network.outputs, **kwargs)
        self.input_size = tuple(int(v) for v in source.input_size)
        self.num_classes = int(source.num_classes)
        self.class_names = list(source.class_names)
        self.preprocessing = dict(source.preprocessing)
        self.postprocess = dict(source.postprocess)
        self.strides = list(source.strides)
        self._head_specs = [dict(spec) for spec in source.head_specs()]

    def head_specs(self) -> list[dict]:
        return [dict(spec) for spec in self._head_specs]

    def for_inference(self):
        return self

    def get_config(self):
        raise NotImplementedError(
            "an InferenceDetector is not saved: save the model it was made from"
        )


def inference_copy(model) -> InferenceDetector:
    """``model`` (a zoo detector) with batch norm folded; see the module docstring."""
    network = fold_batch_norm(keras.Model(model.inputs, model.outputs, name="network"))
    return InferenceDetector(network, model, name=f"{model.name}_inference")
