"""An inference-only copy of a driving model with batch norm folded into its convolutions.

Same outputs as the model it came from, to float rounding (as
:mod:`zoo.detection.inference` for detectors); not trained or saved.

Example:
    >>> fast = zoo.load("drive-camvid-coco").for_inference()  # doctest: +SKIP
"""

from __future__ import annotations

import keras

from zoo.blocks.fold import fold_batch_norm
from zoo.drive.perceive import DriveMixin

COPIED = (
    "input_size",
    "num_classes",
    "class_names",
    "detection_classes",
    "preprocessing",
    "postprocess",
    "strides",
    "ignore_index",
)


class DriveInference(DriveMixin, keras.Model):
    """A folded driving network carrying its source's decoding settings and class names."""

    def __init__(self, network: keras.Model, source, **kwargs):
        super().__init__(inputs=network.inputs, outputs=network.outputs, **kwargs)
        for name in COPIED:
            value = getattr(source, name)
            setattr(self, name, value if not isinstance(value, list | dict) else type(value)(value))
        self._head_specs = source.head_specs()

    def head_specs(self) -> list[dict]:
        return [dict(spec) for spec in self._head_specs]

    def for_inference(self):
        return self

    def get_config(self):
        raise NotImplementedError("a DriveInference is not saved: save the model it came from")


def inference_copy(model) -> DriveInference:
    """``model`` (a :class:`DriveModel`) with batch norm folded."""
    network = fold_batch_norm(keras.Model(model.inputs, model.outputs, name="network"))
    return DriveInference(network, model, name=f"{model.name}_inference")
