"""Darknet model reader: ``.cfg`` + ``.weights`` to a Keras model, plus head metadata.

Example:
    >>> from zoo import darknet
    >>> model = darknet.build("yolo-fastest-1.1.cfg", "yolo-fastest-1.1.weights")  # doctest: +SKIP
    >>> raw = model(images)  # doctest: +SKIP
    >>> meta = darknet.heads("yolo-fastest-1.1.cfg")  # doctest: +SKIP

``raw`` is a list with one ``(N, grid_h, grid_w, anchors * (5 + classes))`` tensor per head;
``meta`` holds each head's anchors, mask, stride and decoding options.
"""

from zoo.darknet.builder import BN_EPSILON, build
from zoo.darknet.cfg import DarknetCfg, Section, parse_cfg, parse_cfg_text
from zoo.darknet.heads import heads
from zoo.darknet.layers import ChannelGroup, DarknetMaxPool, NearestUpsample, Reorg
from zoo.darknet.plan import LayerPlan, plan_layers
from zoo.darknet.weights_file import (
    ConvWeights,
    DarknetWeights,
    read_weights,
    split_conv_weights,
    write_weights,
)

__all__ = [
    "BN_EPSILON",
    "ChannelGroup",
    "ConvWeights",
    "DarknetCfg",
    "DarknetMaxPool",
    "DarknetWeights",
    "LayerPlan",
    "NearestUpsample",
    "Reorg",
    "Section",
    "build",
    "heads",
    "parse_cfg",
    "parse_cfg_text",
    "plan_layers",
    "read_weights",
    "split_conv_weights",
    "write_weights",
]
