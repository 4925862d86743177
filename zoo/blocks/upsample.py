"""Learnable upsampling initialised to bilinear interpolation (FCN's "deconvolution").

Example:
    >>> import keras
    >>> up = BilinearUpsample(factor=2, trainable=True)
    >>> y = up(keras.ops.ones((1, 4, 4, 3)))  # (1, 8, 8, 3)
"""

from __future__ import annotations

import keras
import numpy as np


def bilinear_kernel(factor: int, channels: int) -> np.ndarray:
    """A ``(2f, 2f, channels, channels)`` transposed-conv kernel doing bilinear upsampling.

    Each channel maps to itself only (FCN's per-class interpolation).
    """
    size = 2 * factor
    center = factor - 0.5
    og = np.arange(size, dtype=np.float64)
    filt_1d = 1.0 - np.abs(og - center) / factor
    filt = np.outer(filt_1d, filt_1d).astype(np.float32)
    kernel = np.zeros((size, size, channels, channels), dtype=np.float32)
    for c in range(channels):
        kernel[:, :, c, c] = filt
    return kernel


@keras.saving.register_keras_serializable(package="zoo")
class BilinearInitializer(keras.initializers.Initializer):
    """Initialiser of a (2f, 2f, C, C) ``Conv2DTranspose`` kernel: bilinear, per channel."""

    def __call__(self, shape, dtype=None):
        kh, kw, out_c, in_c = shape
        if kh != kw or kh % 2 or out_c != in_c:
            raise ValueError(f"bilinear kernel needs shape (2f, 2f, C, C), got {tuple(shape)}")
        return keras.ops.convert_to_tensor(bilinear_kernel(kh // 2, out_c), dtype=dtype)

    def get_config(self):
        return {}


@keras.saving.register_keras_serializable(package="zoo")
class BilinearUpsample(keras.layers.Layer):
    """Upsample by an integer ``factor`` with a transposed convolution initialised bilinear.

    Args:
        factor: the upsampling factor (kernel ``2 * factor``, stride ``factor``).
        trainable: learn the kernel (FCN's 2x layers) or keep it fixed (its final upsampling).
    """

    def __init__(self, factor: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.kernel = self.add_weight(
            name="kernel",
            shape=(2 * self.factor, 2 * self.factor, channels, channels),
            initializer=BilinearInitializer(),
            trainable=self.trainable,
        )

    def call(self, x):
        return keras.ops.conv_transpose(
            x, self.kernel, strides=self.factor, padding="same", data_format="channels_last"
        )

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        f = self.factor
        return (n, None if h is None else h * f, None if w is None else w * f, c)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
