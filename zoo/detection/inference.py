"""An inference-only copy of a detector with batch norm folded into its convolutions.

``model.for_inference()`` (on every zoo detector) returns an :class:`InferenceDetector`: the
same network with each conv + batch-norm pair folded (:func:`zoo.blocks.fold.fold_batch_norm`),
the same decoding, NMS, preprocessing and class names. Detections agree with the source model's
to float rounding; it is about twice as fast on CPU at batch 1. It is not trained or saved: keep
the source model for that. ``zoo detect`` and ``zoo eval`` use it.

Example:
    >>> fast = zoo.load("yolo-wildlife").for_inference()  # doctest: +SKIP
    >>> fast.detect([image])[0]["boxes"]  # doctest: +SKIP

The class and the function live in :mod:`zoo.detection.predict` beside the
:class:`~zoo.detection.predict.DetectorMixin` they extend; this module names them.
"""

from __future__ import annotations

from zoo.detection.predict import InferenceDetector, inference_copy

__all__ = ["InferenceDetector", "inference_copy"]
