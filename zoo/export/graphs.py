"""The whole-model TensorFlow functions that exports are traced from, one per task.

- detection: ``images`` uint8 ``(N, H, W, 3)`` RGB of any size, ``conf`` and ``iou`` float32
  scalars -> ``boxes (N, max_det, 4)`` x1 y1 x2 y2 in the input's pixels, ``scores``,
  ``classes`` (int32, -1 in empty slots), ``num_detections (N,)``. Resize (bilinear, stretch or
  letterbox as the model's ``preprocessing``), normalisation, the network (batch norm folded),
  decoding and per-class NMS are all inside.
- segmentation: ``images`` uint8 ``(N, H, W, 3)`` -> ``mask`` ``(N, H, W)`` class indices
  (uint8, int32 past 256 classes); normalisation, the network and the argmax inside.
- translation: ``source_ids`` int32 ``(B, Ts)`` (SentencePiece ids ending in eos, 0-padded) ->
  ``tokens (B, L)`` (best hypothesis, eos included, 0-padded), ``lengths (B,)``, ``scores (B,)``;
  the beam search loop inside (beam size and length penalty fixed at export).

Example:
    >>> fn, signature, network = detection_function(zoo.load("yolo-wildlife"))  # doctest: +SKIP
"""

from __future__ import annotations

import tensorflow as tf

from zoo.detection.nms import LEADING_SIZES, detection_nms
from zoo.detection.predict import DEFAULT_POSTPROCESS, boxes_to_original


def image_spec(size: tuple[int, int] | None, batch: int | None) -> tf.TensorSpec:
    """uint8 ``(batch, H, W, 3)`` with ``None`` for the dynamic dimensions."""
    h, w = size if size else (None, None)
    return tf.TensorSpec([batch, h, w, 3], tf.uint8, name="images")


def _resize(model, images):
    """Images -> network input (float32, 0..255) and the ``(N, 6)`` box transforms."""
    H, W = (int(v) for v in model.input_size)
    pre = model.preprocessing
    x = tf.cast(images, tf.float32)
    shape = tf.shape(images)
    n = shape[0]
    h, w = tf.cast(shape[1], tf.float32), tf.cast(shape[2], tf.float32)
    zeros = tf.zeros([n])
    if pre.get("resize", "letterbox") == "stretch":
        x = tf.image.resize(x, (H, W), method="bilinear")
        sx, sy, px, py = W / w, H / h, 0.0, 0.0
    else:
        r = tf.minimum(H / h, W / w)
        nh = tf.maximum(tf.round(h * r), 1.0)
        nw = tf.maximum(tf.round(w * r), 1.0)
        top = tf.math.floordiv(H - nh, 2.0)
        left = tf.math.floordiv(W - nw, 2.0)
        x = tf.image.resize(x, tf.cast(tf.stack([nh, nw]), tf.int32), method="bilinear")
        pad = float(pre.get("pad_value", 114))
        paddings = tf.cast(
            tf.stack([[0.0, 0.0], [top, H - nh - top], [left, W - nw - left], [0.0, 0.0]]),
            tf.int32,
        )
        x = tf.pad(x - pad, paddings) + pad
        x = tf.reshape(x, [-1, H, W, 3])  # static shape back (ensure_shape is no LiteRT op)
        sx, sy, px, py = nw / w, nh / h, left, top
    t = tf.stack([zeros + sx, zeros + sy, zeros + px, zeros + py, zeros + h, zeros + w], axis=1)
    return x, t


def graph_nms(decoded, conf, iou, post: dict, max_det: int, with_cond: bool) -> dict:
    """Per-class NMS of decoded heads ``(boxes, objectness, class_probs)`` inside an exported
    function, with the model's ``post`` settings (``with_cond``: see :func:`detection_function`).
    """
    boxes, obj, cls = decoded
    return detection_nms(
        boxes,
        obj,
        cls,
        iou,
        conf,
        max_det,
        int(post["pre_nms_topk"]),
        bool(post["multi_label"]),
        LEADING_SIZES if with_cond else (),
    )


def detection_function(
    model,
    size: tuple[int, int] | None = None,
    batch: int | None = None,
    max_det: int | None = None,
    with_cond: bool = True,
):
    """``(fn, input_signature, network)`` of a detector's whole model (module docstring).

    ``with_cond=False`` runs NMS on all ``pre_nms_topk`` candidates without the run-time
    choice of a smaller block (tf2onnx cannot carry that ``cond``); same detections.
    """
    net = model.for_inference()
    post = {**DEFAULT_POSTPROCESS, **net.postprocess}
    max_det = int(max_det or post["max_det"])

    def detect(images, conf, iou):
        x, transforms = _resize(net, images)
        out = graph_nms(net.decode(net(x, training=False)), conf, iou, post, max_det, with_cond)
        out["boxes"] = boxes_to_original(out["boxes"], transforms)
        return out

    spec = [
        image_spec(size, batch),
        tf.TensorSpec([], tf.float32, name="conf"),
        tf.TensorSpec([], tf.float32, name="iou"),
    ]
    return detect, spec, net


def segmentation_function(model, size: tuple[int, int] | None = None, batch: int | None = None):
    """``(fn, input_signature, network)`` of a segmentation model's whole model."""
    dtype = tf.uint8 if model.num_classes <= 256 else tf.int32

    def segment(images):
        logits = model(tf.cast(images, tf.float32), training=False)
        return {"mask": tf.cast(tf.argmax(logits, axis=-1, output_type=tf.int32), dtype)}

    return segment, [image_spec(size, batch)], model


def translation_function(model, beam: int = 5, alpha: float = 0.6, batch: int | None = None):
    """``(fn, input_signature, network)`` of a translation model's search."""
    from zoo.translation.decode import search_function

    run = search_function(model, beam_size=beam, alpha=alpha)

    def translate(source_ids):
        tokens, scores, _, lengths, _ = run(source_ids)
        return {"tokens": tokens[:, 0], "lengths": lengths[:, 0], "scores": scores[:, 0]}

    return translate, [tf.TensorSpec([batch, None], tf.int32, name="source_ids")], model
