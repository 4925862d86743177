"""Keras layers for the Darknet operations that Keras lacks (``keras.ops`` only, any backend).

- :class:`DarknetMaxPool`: max pooling with darknet's padding (``floor(p/2)`` before,
  ``ceil(p/2)`` after, padded cells never win), e.g. the size-2 stride-1 pool of yolov3-tiny.
- :class:`Reorg`: darknet's ``[reorg]`` space-to-depth, in its own element order.
- :class:`ChannelGroup`: the ``groups``/``group_id`` channel split of ``[route]``.
- :class:`NearestUpsample`: ``[upsample]``, nearest neighbour by an integer factor.

Example:
    >>> import keras
    >>> y = DarknetMaxPool(size=2, stride=1, padding=1)(keras.ops.ones((1, 13, 13, 8)))
    >>> tuple(y.shape)
    (1, 13, 13, 8)
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class DarknetMaxPool(keras.layers.Layer):
    """Max pool ``size`` x ``size`` with ``stride`` over an input padded by ``padding`` in total.

    Output size is ``(n + padding - size) // stride + 1`` as in darknet and OpenCV.

    Args:
        size: pooling window.
        stride: step.
        padding: total padding per axis, ``padding // 2`` before and the rest after.
    """

    def __init__(self, size: int = 2, stride: int = 2, padding: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.stride = int(stride)
        self.padding = int(padding)

    def call(self, x):
        before = self.padding // 2
        after = self.padding - before
        if self.padding:
            pads = [[0, 0], [before, after], [before, after], [0, 0]]
            x = ops.pad(x, pads, constant_values=float("-inf"))
        return ops.max_pool(x, self.size, self.stride, padding="valid")

    def compute_output_shape(self, input_shape):
        def out(n):
            return None if n is None else (n + self.padding - self.size) // self.stride + 1

        n, h, w, c = input_shape
        return (n, out(h), out(w), c)

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, stride=self.stride, padding=self.padding)
        return config


@keras.saving.register_keras_serializable(package="zoo")
class Reorg(keras.layers.Layer):
    """Darknet's ``[reorg]``: ``(H, W, C)`` to ``(H/s, W/s, C*s*s)``, darknet element order.

    Darknet (and OpenCV, which matches it) does not do a plain space-to-depth: it reads the
    NCHW buffer as ``(C*H/s^2, s, W, s)``, moves both ``s`` axes to the front and reads the
    result back as ``(C*s^2, H/s, W/s)``. This layer does the same on NHWC tensors.

    Args:
        stride: the block size ``s``; ``C`` must be a multiple of ``s*s``.
    """

    def __init__(self, stride: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.stride = int(stride)

    def call(self, x):
        s = self.stride
        _, h, w, c = x.shape
        x = ops.transpose(x, (0, 3, 1, 2))
        x = ops.reshape(x, (-1, c * h // (s * s), s, w, s))
        x = ops.transpose(x, (0, 2, 4, 1, 3))
        x = ops.reshape(x, (-1, c * s * s, h // s, w // s))
        return ops.transpose(x, (0, 2, 3, 1))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        s = self.stride
        return (n, h // s, w // s, c * s * s)

    def get_config(self):
        config = super().get_config()
        config.update(stride=self.stride)
        return config


@keras.saving.register_keras_serializable(package="zoo")
class ChannelGroup(keras.layers.Layer):
    """Keep channel group ``group_id`` of ``groups`` equal groups (``[route] groups=``).

    Args:
        groups: number of equal channel groups.
        group_id: which group to keep (0-based).
    """

    def __init__(self, groups: int = 1, group_id: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.group_id = int(group_id)

    def call(self, x):
        size = x.shape[-1] // self.groups
        return x[..., self.group_id * size : (self.group_id + 1) * size]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] // self.groups)

    def get_config(self):
        config = super().get_config()
        config.update(groups=self.groups, group_id=self.group_id)
        return config


@keras.saving.register_keras_serializable(package="zoo")
class NearestUpsample(keras.layers.Layer):
    """Darknet's ``[upsample]``: each pixel repeated ``stride`` x ``stride`` times.

    ``UpSampling2D(interpolation="nearest")`` with the channel count restated: with any input
    size its two ``repeat``s end in reshapes to a run-time shape, which hides the channels from
    the LiteRT converter; a depthwise convolution after a concat with it then stays a Flex op
    (``DepthwiseConv2dNative``) that the LiteRT runtime cannot run. A last reshape to
    ``(-1, H*s, W*s, C)`` with ``C`` a constant lets it lower to ``DEPTHWISE_CONV_2D``.

    Example:
        >>> y = NearestUpsample(2)(keras.ops.reshape(keras.ops.arange(4.0), (1, 2, 2, 1)))
        >>> keras.ops.convert_to_numpy(y)[0, :, :, 0].tolist()[1]
        [0.0, 0.0, 1.0, 1.0]
    """

    def __init__(self, stride: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.stride = int(stride)

    def call(self, x):
        s, shape = self.stride, ops.shape(x)
        y = ops.repeat(ops.repeat(x, s, axis=1), s, axis=2)
        return ops.reshape(y, (-1, shape[1] * s, shape[2] * s, x.shape[-1]))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        s = self.stride
        return (n, None if h is None else h * s, None if w is None else w * s, c)

    def get_config(self):
        config = super().get_config()
        config.update(stride=self.stride)
        return config
