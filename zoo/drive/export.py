"""The whole-model TensorFlow function a driving model is exported from (LiteRT, ONNX).

``images`` uint8 ``(N, h, w, 3)`` at the model's ``input_size`` (the caller resizes, as for
:meth:`perceive`), ``conf`` and ``iou`` float32 scalars -> ``boxes (N, max_det, 4)`` x1 y1 x2
y2 in input pixels, ``scores``, ``classes`` (int32, -1 in empty slots), ``num_detections``
and ``mask (N, h, w)`` uint8 class indices. Normalisation, the network (batch norm folded),
decoding, per-class NMS and the argmax are inside.

Example:
    >>> fn, spec, net = drive_function(zoo.load("drive-camvid-coco"))  # doctest: +SKIP
"""

from __future__ import annotations

import tensorflow as tf

from zoo.detection.predict import DEFAULT_POSTPROCESS
from zoo.export.graphs import graph_nms


def drive_function(model, batch: int | None = None, with_cond: bool = True):
    """``(fn, input_signature, network)`` of a driving model (module docstring).

    ``with_cond=False``: NMS without the run-time choice of a smaller block (tf2onnx)."""
    net = model.for_inference()
    post = {**DEFAULT_POSTPROCESS, **net.postprocess}
    height, width = (int(v) for v in net.input_size)

    def perceive(images, conf, iou):
        outputs = net(tf.cast(images, tf.float32), training=False)
        out = graph_nms(net.decode(outputs), conf, iou, post, int(post["max_det"]), with_cond)
        limit = tf.constant([width, height, width, height], tf.float32)
        out["boxes"] = tf.minimum(tf.maximum(out["boxes"], 0.0), limit)
        out["mask"] = tf.cast(tf.argmax(outputs[-1], axis=-1, output_type=tf.int32), tf.uint8)
        return out

    spec = [
        tf.TensorSpec([batch, height, width, 3], tf.uint8, name="images"),
        tf.TensorSpec([], tf.float32, name="conf"),
        tf.TensorSpec([], tf.float32, name="iou"),
    ]
    return perceive, spec, net


def drive_metadata(model) -> dict:
    """What an exported driving file says beyond the common metadata (its classes, input)."""
    return {
        "class_names": list(model.class_names),
        "num_classes": int(model.num_classes),
        "ignore_index": model.ignore_index,
        "detection_classes": list(model.detection_classes),
        "input_size": [int(v) for v in model.input_size],
        "preprocessing": dict(model.preprocessing),
        "postprocess": dict(model.postprocess),
        "max_det": int(model.postprocess.get("max_det", 100)),
    }
