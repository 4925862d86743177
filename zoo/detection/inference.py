"""An inference-only copy of a detector with batch norm folded into its convolutions.

``model.for_inference()`` (on every zoo detector) returns an :class:`InferenceDetector`: the
same network with each conv + batch-norm pair folded (:func:`zoo.blocks.fold.fold_batch_norm`),
the same decoding, NMS, preprocessing and class names. Detections agree with the source model's
to float rounding; it is about twice as fast on CPU at batch 1. It is not trained or saved: keep
the source model for that. ``zoo detect`` and ``zoo eval`` use it.

Example:
    >>> fast = zoo.load("yolo-wildlife").for_inference()  # doctest: +SKIP
    >>> fast.detect([image])[0]["boxes"]  # doctest: +SKIP
"""

from __future__ import annotations

import keras

from zoo.blocks.fold import fold_batch_norm
from zoo.detection.predict import DetectorMixin


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
