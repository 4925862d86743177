"""YOLOv3's neck and heads on a P3/P4/P5 pyramid: a small top-down FPN, one head per stride.

From the coarsest level down: a 1x1 reduce and a 3x3 conv give that level's feature; it is
reduced, upsampled and concatenated with the next finer backbone level, and so on. Each head
is a 3x3 conv-BN-act and a 1x1 convolution to ``A * (5 + C)`` raw values per cell (``tx, ty,
tw, th, objectness, class logits`` per anchor), as YOLOv3's ``[yolo]`` layers take them.

Example:
    >>> import keras
    >>> from zoo.backbones import create_backbone
    >>> image = keras.Input((320, 320, 3))
    >>> feats = create_backbone("litenet")(image)
    >>> raws = yolo_neck_heads(feats, strides=(16, 32), anchors_per_scale=3, num_classes=2)
    >>> [tuple(r.shape) for r in raws]
    [(None, 20, 20, 21), (None, 10, 10, 21)]
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from zoo.blocks.conv_bn_act import conv_bn_act

LEVELS = {8: "P3", 16: "P4", 32: "P5"}

# YOLOv3 (strides 8/16/32) and YOLOv3-tiny (16/32) COCO anchors, in pixels of a 416 input.
YOLOV3_ANCHORS_416 = {
    8: [[10, 13], [16, 30], [33, 23]],
    16: [[30, 61], [62, 45], [59, 119]],
    32: [[116, 90], [156, 198], [373, 326]],
}
YOLOV3_TINY_ANCHORS_416 = {
    16: [[10, 14], [23, 27], [37, 58]],
    32: [[81, 82], [135, 169], [344, 319]],
}


def default_anchors(strides: Sequence[int], input_size: Sequence[int]) -> list:
    """COCO anchors for ``strides`` scaled from 416 to ``input_size``, one list per stride.

    Example:
        >>> default_anchors((16, 32), (208, 208))[0]
        [[5.0, 7.0], [11.5, 13.5], [18.5, 29.0]]
    """
    table = YOLOV3_TINY_ANCHORS_416 if tuple(strides) == (16, 32) else YOLOV3_ANCHORS_416
    scale = float(max(input_size)) / 416.0
    return [[[w * scale, h * scale] for w, h in table[s]] for s in strides]


def split_anchors(anchors: np.ndarray, num_scales: int) -> list:
    """Sort ``(K, 2)`` anchors by area and deal them out to ``num_scales`` scales, finest first.

    Example:
        >>> split_anchors(np.array([[30, 30], [10, 10], [20, 20], [40, 40]]), 2)
        [[[10.0, 10.0], [20.0, 20.0]], [[30.0, 30.0], [40.0, 40.0]]]
    """
    anchors = np.asarray(anchors, np.float64).reshape(-1, 2)
    if len(anchors) % num_scales:
        raise ValueError(f"{len(anchors)} anchors do not split evenly over {num_scales} scales")
    order = np.argsort(anchors[:, 0] * anchors[:, 1], kind="stable")
    per = len(anchors) // num_scales
    chunks = [anchors[order[i * per : (i + 1) * per]] for i in range(num_scales)]
    return [[[round(float(w), 2), round(float(h), 2)] for w, h in c] for c in chunks]


def head_bias(num_anchors: int, num_classes: int, grid_cells: int) -> np.ndarray:
    """Initial head bias: a low objectness prior (about 8 objects per image) and class prior.

    Example:
        >>> [round(float(v), 2) for v in head_bias(1, 2, 100)]
        [0.0, 0.0, 0.0, 0.0, -2.53, -0.52, -0.52]
    """
    bias = np.zeros((num_anchors, 5 + num_classes), np.float32)
    bias[:, 4] = np.log(8.0 / grid_cells)
    bias[:, 5:] = np.log(0.6 / max(num_classes - 0.99, 0.6))
    return bias.reshape(-1)


def yolo_neck_heads(
    features: dict,
    strides: Sequence[int] = (8, 16, 32),
    anchors_per_scale: int = 3,
    num_classes: int = 80,
    neck_channels: Sequence[int] = (64, 128, 256),
    activation: str = "leaky_relu",
) -> list:
    """Raw head outputs ``(N, H/s, W/s, A * (5 + C))`` for each stride, finest first.

    Args:
        features: ``{"P3": stride 8, "P4": 16, "P5": 32}`` backbone tensors.
        strides: the strides to predict at (a subset of 8, 16, 32).
        anchors_per_scale: anchors per cell of each head.
        num_classes: number of classes.
        neck_channels: channels at strides 8, 16 and 32.
        activation: activation of the neck and head blocks.
    """
    strides = sorted(int(s) for s in strides)
    if not strides or any(s not in LEVELS for s in strides):
        raise ValueError(f"strides {strides}: choose from 8, 16, 32")
    channels = dict(zip((8, 16, 32), neck_channels, strict=True))
    outs_per_cell = anchors_per_scale * (5 + num_classes)
    heads = {}
    x = None
    previous = None
    for s in reversed(strides):
        c = int(channels[s])
        level = features[LEVELS[s]]
        if x is None:
            x = level
        else:
            up = conv_bn_act(x, c, 1, activation=activation, name=f"neck_s{s}_up")
            up = keras.layers.UpSampling2D(previous // s, name=f"neck_s{s}_upsample")(up)
            x = keras.layers.Concatenate(name=f"neck_s{s}_concat")([up, level])
        x = conv_bn_act(x, c, 1, activation=activation, name=f"neck_s{s}_reduce")
        x = conv_bn_act(x, c, 3, activation=activation, name=f"neck_s{s}_conv")
        h = conv_bn_act(x, 2 * c, 3, activation=activation, name=f"head_s{s}_conv")
        raw = keras.layers.Conv2D(outs_per_cell, 1, name=f"head_s{s}_pred")(h)
        heads[s] = keras.layers.Activation("linear", dtype="float32", name=f"raw_s{s}")(raw)
        previous = s
    return [heads[s] for s in strides]
