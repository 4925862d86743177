"""The custom darknet layers against direct numpy transcriptions of darknet's loops."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.darknet import ChannelGroup, DarknetMaxPool, NearestUpsample, Reorg

pytestmark = pytest.mark.model


def darknet_reorg(x_nchw: np.ndarray, stride: int) -> np.ndarray:
    """Darknet's reorg_cpu(forward=0) on one (C, H, W) image, as a flat-buffer permutation."""
    c, h, w = x_nchw.shape
    src = x_nchw.ravel()
    dst = np.empty_like(src)
    out_c = c // (stride * stride)
    for k in range(c):
        for j in range(h):
            for i in range(w):
                offset = k // out_c
                w2 = i * stride + offset % stride
                h2 = j * stride + offset // stride
                dst[i + w * (j + h * k)] = src[w2 + w * stride * (h2 + h * stride * (k % out_c))]
    return dst.reshape(c * stride * stride, h // stride, w // stride)


def darknet_maxpool(x_hwc: np.ndarray, size: int, stride: int, padding: int) -> np.ndarray:
    """Darknet's forward_maxpool_layer on one (H, W, C) image."""
    h, w, c = x_hwc.shape
    out_h, out_w = (h + padding - size) // stride + 1, (w + padding - size) // stride + 1
    offset = -(padding // 2)
    out = np.full((out_h, out_w, c), -np.inf, dtype=x_hwc.dtype)
    for i in range(out_h):
        for j in range(out_w):
            for n in range(size):
                for m in range(size):
                    y, x = offset + i * stride + n, offset + j * stride + m
                    if 0 <= y < h and 0 <= x < w:
                        out[i, j] = np.maximum(out[i, j], x_hwc[y, x])
    return out


@pytest.mark.parametrize(("h", "w", "c", "stride"), [(4, 6, 8, 2), (6, 3, 9, 3), (2, 2, 4, 2)])
def test_reorg_matches_darknet_loop(h, w, c, stride):
    x = np.random.default_rng(0).standard_normal((1, h, w, c)).astype(np.float32)
    ours = keras.ops.convert_to_numpy(Reorg(stride)(x))[0]
    ref = darknet_reorg(x[0].transpose(2, 0, 1), stride).transpose(1, 2, 0)
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize(
    ("h", "w", "size", "stride", "padding"),
    [(13, 13, 2, 1, 1), (7, 9, 2, 2, 1), (8, 8, 2, 2, 1), (9, 6, 3, 2, 2), (5, 7, 5, 1, 4)],
)
def test_maxpool_matches_darknet_loop(h, w, size, stride, padding):
    x = np.random.default_rng(1).standard_normal((2, h, w, 3)).astype(np.float32) - 5.0
    layer = DarknetMaxPool(size, stride, padding)
    ours = keras.ops.convert_to_numpy(layer(x))
    for b in range(2):
        np.testing.assert_array_equal(ours[b], darknet_maxpool(x[b], size, stride, padding))
    assert layer.compute_output_shape(x.shape) == ours.shape


def test_channel_group_and_configs():
    x = np.arange(12, dtype=np.float32).reshape(1, 1, 1, 12)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(ChannelGroup(3, 1)(x)).ravel(), [4, 5, 6, 7]
    )
    for layer in (ChannelGroup(3, 1), DarknetMaxPool(3, 2, 2), Reorg(2), NearestUpsample(3)):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("stride", [2, 3])
def test_nearest_upsample_is_keras_upsampling(stride):
    x = np.random.default_rng(0).random((2, 5, 7, 3), dtype=np.float32)
    ours = keras.ops.convert_to_numpy(NearestUpsample(stride)(x))
    want = keras.ops.convert_to_numpy(keras.layers.UpSampling2D(stride)(x))
    np.testing.assert_array_equal(ours, want)
    assert NearestUpsample(stride).compute_output_shape((2, None, 7, 3)) == (2, None, 7 * stride, 3)
