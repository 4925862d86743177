"""Conv - BatchNorm - activation, the block every backbone and head here is made of.

Example:
    >>> import keras
    >>> x = keras.Input((None, None, 3))
    >>> y = conv_bn_act(x, 16, 3, strides=2, name="stem")
"""

from __future__ import annotations

import keras

BN_MOMENTUM = 0.97
BN_EPSILON = 1e-3


def conv_bn_act(
    x,
    filters: int,
    kernel_size: int = 3,
    strides: int = 1,
    activation: str | None = "relu",
    groups: int = 1,
    use_bn: bool = True,
    name: str = "conv",
):
    """Apply ``Conv2D`` (same padding) -> ``BatchNormalization`` -> activation to ``x``.

    Layers are named ``{name}_conv``, ``{name}_bn`` and ``{name}_act`` so weights can be
    matched by name. ``activation=None`` leaves the output linear; ``use_bn=False`` gives the
    convolution a bias instead of the batch-norm.
    """
    x = keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        groups=groups,
        use_bias=not use_bn,
        kernel_initializer="he_normal",
        name=f"{name}_conv",
    )(x)
    if use_bn:
        x = keras.layers.BatchNormalization(
            momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{name}_bn"
        )(x)
    if activation is not None:
        x = keras.layers.Activation(activation, name=f"{name}_act")(x)
    return x


def residual_block(x, filters: int, strides: int = 1, activation: str = "relu", name: str = "res"):
    """A basic residual block (two 3x3 conv-BN, projection shortcut when the shape changes)."""
    shortcut = x
    y = conv_bn_act(x, filters, 3, strides=strides, activation=activation, name=f"{name}_a")
    y = conv_bn_act(y, filters, 3, activation=None, name=f"{name}_b")
    if strides != 1 or x.shape[-1] != filters:
        shortcut = conv_bn_act(x, filters, 1, strides=strides, activation=None, name=f"{name}_proj")
    y = keras.layers.Add(name=f"{name}_add")([y, shortcut])
    return keras.layers.Activation(activation, name=f"{name}_out")(y)
