"""Registered segmentation architectures: ``fcn32s``, ``fcn16s``, ``fcn8s``, ``fcn4s``,
``fcn2s``.

Example:
    >>> import zoo
    >>> model = zoo.create_model("fcn8s", num_classes=11, backbone="litenet")
"""

from __future__ import annotations

import zoo.segmentation.losses  # noqa: F401  (registers the loss a compiled checkpoint names)
from zoo.registry import register_model
from zoo.segmentation.fcn import FCN


def _builder(variant: str):
    def build(num_classes: int = 21, **config) -> FCN:
        config["variant"] = variant
        return FCN(num_classes=num_classes, **config)

    build.__name__ = variant
    build.__doc__ = f"Build {variant.upper()} (see :class:`zoo.segmentation.fcn.FCN`)."
    return build


fcn32s = register_model("fcn32s", task="segmentation")(_builder("fcn32s"))
fcn16s = register_model("fcn16s", task="segmentation")(_builder("fcn16s"))
fcn8s = register_model("fcn8s", task="segmentation")(_builder("fcn8s"))
fcn4s = register_model("fcn4s", task="segmentation")(_builder("fcn4s"))
fcn2s = register_model("fcn2s", task="segmentation")(_builder("fcn2s"))
