"""Preprocessing layers saved inside models, so a ``.keras`` file carries its own scaling.

Example:
    >>> layer = ImageNormalization(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
    ...                            scale=1 / 255.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras


@keras.saving.register_keras_serializable(package="zoo")
class ImageNormalization(keras.layers.Layer):
    """``(x * scale - mean) / std`` on RGB pixels, optionally flipping RGB to BGR first.

    Args:
        mean, std: per-channel values applied after ``scale``.
        scale: multiplies the raw pixels (``1/255`` for 0..255 input).
        bgr: reverse the channel order first (Caffe-trained VGG16 expects BGR).
    """

    def __init__(
        self,
        mean: Sequence[float] = (0.0, 0.0, 0.0),
        std: Sequence[float] = (1.0, 1.0, 1.0),
        scale: float = 1.0,
        bgr: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.mean = [float(v) for v in mean]
        self.std = [float(v) for v in std]
        self.scale = float(scale)
        self.bgr = bool(bgr)

    def call(self, x):
        x = keras.ops.cast(x, self.compute_dtype)
        if self.bgr:
            x = keras.ops.flip(x, axis=-1)
        mean = keras.ops.convert_to_tensor(self.mean, dtype=self.compute_dtype)
        std = keras.ops.convert_to_tensor(self.std, dtype=self.compute_dtype)
        return (x * self.scale - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "mean": self.mean,
            "std": self.std,
            "scale": self.scale,
            "bgr": self.bgr,
        }


@keras.saving.register_keras_serializable(package="zoo")
class PadToMultiple(keras.layers.Layer):
    """Pad height and width at the bottom/right up to a multiple of ``multiple`` (zeros).

    Lets a fully convolutional network take any input size; :class:`CropLike` crops back.
    """

    def __init__(self, multiple: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.multiple = int(multiple)

    def call(self, x):
        shape = keras.ops.shape(x)
        pad_h = (self.multiple - shape[1] % self.multiple) % self.multiple
        pad_w = (self.multiple - shape[2] % self.multiple) % self.multiple
        padded = keras.ops.pad(x, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]])
        if x.shape[-1] is None:
            return padded
        # a pad by run-time amounts loses the static channel count; converters (LiteRT) need it
        return keras.ops.reshape(padded, (-1, shape[1] + pad_h, shape[2] + pad_w, x.shape[-1]))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        m = self.multiple
        return (
            n,
            None if h is None else -(-h // m) * m,
            None if w is None else -(-w // m) * m,
            c,
        )

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple}


@keras.saving.register_keras_serializable(package="zoo")
class CropLike(keras.layers.Layer):
    """Crop ``x`` (N, H', W', C) to the height and width of ``reference`` (top-left aligned)."""

    def call(self, x, reference):
        ref = keras.ops.shape(reference)
        shape = keras.ops.shape(x)
        return keras.ops.slice(x, [0, 0, 0, 0], [shape[0], ref[1], ref[2], shape[3]])

    def compute_output_shape(self, x_shape, reference_shape):
        return (x_shape[0], reference_shape[1], reference_shape[2], x_shape[3])
