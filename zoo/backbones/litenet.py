"""LiteNet: a small residual backbone for CPU training, shared by the FCN and YOLO defaults.

Five stride-2 stages (16 -> 256 channels by default) of basic residual blocks; the outputs
of stages 3, 4 and 5 form the pyramid P3/P4/P5 (strides 8/16/32).

Example:
    >>> backbone = litenet(widths=(16, 32, 64, 128, 256), depths=(1, 1, 2, 2, 2))
    >>> backbone.count_params() > 0
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo.blocks.conv_bn_act import conv_bn_act, residual_block


def litenet(
    widths: Sequence[int] = (16, 32, 64, 128, 256),
    depths: Sequence[int] = (1, 1, 2, 2, 2),
    activation: str = "relu",
    input_channels: int = 3,
    name: str = "litenet",
) -> keras.Model:
    """Build LiteNet as a functional model with outputs ``{"P3", "P4", "P5"}``.

    Args:
        widths: channels of the five stages (stage ``i`` has stride ``2**(i+1)``).
        depths: residual blocks per stage (stage 1 uses plain conv-BN-act layers).
        activation: activation of every block.
    """
    if len(widths) != 5 or len(depths) != 5:
        raise ValueError("litenet needs five widths and five depths")
    inputs = keras.Input((None, None, input_channels), name="image")
    x = conv_bn_act(inputs, widths[0], 3, strides=2, activation=activation, name="stem")
    for _ in range(max(depths[0] - 1, 0)):
        x = conv_bn_act(x, widths[0], 3, activation=activation, name=f"stem_{_}")
    features = {}
    for stage in range(1, 5):
        for block in range(depths[stage]):
            x = residual_block(
                x,
                widths[stage],
                strides=2 if block == 0 else 1,
                activation=activation,
                name=f"stage{stage + 1}_block{block + 1}",
            )
        if stage >= 2:
            features[f"P{stage + 1}"] = x
    return keras.Model(inputs, features, name=name)
