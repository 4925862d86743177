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


def resize_bilinear(x, height, width):
    """Bilinear resize of (N, H, W, C) to ``height`` x ``width`` (half-pixel centres, as
    ``tf.image.resize`` and OpenCV), with gathers so that sizes known only at run time work
    on every backend and in exported graphs.

    Example:
        >>> resize_bilinear(keras.ops.ones((1, 4, 4, 3)), 6, 6).shape
        (1, 6, 6, 3)
    """

    def axis_weights(size_in, size_out):
        size_in_f = keras.ops.cast(size_in, "float32")
        scale = size_in_f / keras.ops.cast(size_out, "float32")
        pos = (keras.ops.arange(size_out, dtype="float32") + 0.5) * scale - 0.5
        pos = keras.ops.clip(pos, 0.0, size_in_f - 1.0)
        low = keras.ops.floor(pos)
        frac = pos - low
        low = keras.ops.cast(low, "int32")
        high = keras.ops.minimum(low + 1, keras.ops.cast(size_in, "int32") - 1)
        return low, high, frac

    shape = keras.ops.shape(x)
    y0, y1, wy = axis_weights(shape[1], height)
    x0, x1, wx = axis_weights(shape[2], width)
    wy = keras.ops.cast(keras.ops.reshape(wy, (1, -1, 1, 1)), x.dtype)
    wx = keras.ops.cast(keras.ops.reshape(wx, (1, 1, -1, 1)), x.dtype)
    top, bottom = keras.ops.take(x, y0, axis=1), keras.ops.take(x, y1, axis=1)
    rows = top + (bottom - top) * wy
    left, right = keras.ops.take(rows, x0, axis=2), keras.ops.take(rows, x1, axis=2)
    return left + (right - left) * wx


@keras.saving.register_keras_serializable(package="zoo")
class ResizeBy(keras.layers.Layer):
    """Resize (N, H, W, C) bilinearly to ``round(H * factor)`` x ``round(W * factor)``.

    Lets a network see its input at a finer scale than it is given (thin objects a few pixels
    wide stay visible after the backbone's early downsampling); :class:`ResizeLike` maps the
    scores back to the input's size.

    Example:
        >>> ResizeBy(1.5)(keras.ops.zeros((1, 360, 480, 3))).shape
        (1, 540, 720, 3)
    """

    def __init__(self, factor: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, x):
        if self.factor == 1.0:
            return x
        shape = keras.ops.shape(x)
        return resize_bilinear(x, self._scaled(shape[1]), self._scaled(shape[2]))

    def _scaled(self, n):
        if isinstance(n, int):
            return max(1, round(n * self.factor))
        scaled = keras.ops.round(keras.ops.cast(n, "float32") * self.factor)
        return keras.ops.cast(keras.ops.maximum(scaled, 1.0), "int32")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (
            n,
            None if h is None else self._scaled(h),
            None if w is None else self._scaled(w),
            c,
        )

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="zoo")
class ResizeLike(keras.layers.Layer):
    """Resize ``x`` (N, H', W', C) bilinearly to the height and width of ``reference``."""

    def call(self, x, reference):
        ref = keras.ops.shape(reference)
        return resize_bilinear(x, ref[1], ref[2])

    def compute_output_shape(self, x_shape, reference_shape):
        return (x_shape[0], reference_shape[1], reference_shape[2], x_shape[3])
