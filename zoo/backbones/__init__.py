"""Backbones that expose a feature pyramid at strides 8, 16 and 32.

Example:
    >>> from zoo.backbones import create_backbone
    >>> backbone = create_backbone("litenet")
    >>> sorted(backbone.output.keys())
    ['P3', 'P4', 'P5']
"""

from __future__ import annotations

import keras

from zoo.backbones.darknet import darknet, load_darknet_weights
from zoo.backbones.litenet import litenet
from zoo.backbones.vgg16 import load_vgg16_imagenet, vgg16

BACKBONES = {"darknet": darknet, "litenet": litenet, "vgg16": vgg16}

# Pixel preprocessing each backbone expects from 0..255 RGB input.
BACKBONE_PREPROCESSING = {
    "litenet": {
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
        "scale": 1 / 255.0,
        "bgr": False,
    },
    # Darknet networks take RGB in 0..1 (as Darknet and OpenCV DNN feed them).
    "darknet": {"mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0], "scale": 1 / 255.0, "bgr": False},
    # keras.applications.vgg16.preprocess_input ("caffe" mode): BGR, mean subtracted, no scaling.
    "vgg16": {
        "mean": [103.939, 116.779, 123.68],
        "std": [1.0, 1.0, 1.0],
        "scale": 1.0,
        "bgr": True,
    },
}


def create_backbone(name: str, **config) -> keras.Model:
    """Build a backbone by name; its outputs are ``{"P3": stride 8, "P4": 16, "P5": 32}``."""
    if name not in BACKBONES:
        from zoo.errors import ZooError

        raise ZooError(f"unknown backbone {name!r}; choose one of {sorted(BACKBONES)}")
    return BACKBONES[name](**config)


__all__ = [
    "BACKBONES",
    "BACKBONE_PREPROCESSING",
    "create_backbone",
    "darknet",
    "litenet",
    "load_darknet_weights",
    "load_vgg16_imagenet",
    "vgg16",
]
