"""Reading and writing darknet .weights files, and their mismatch errors."""

from __future__ import annotations

import numpy as np
import pytest

from zoo import darknet
from zoo.darknet.weights_file import ConvWeights, split_conv_weights
from zoo.errors import ZooError

pytestmark = pytest.mark.model

CFG = """
[net]
width=8
height=8
channels=3

[convolutional]
batch_normalize=1
filters=4
size=3
pad=1
activation=leaky

[convolutional]
filters=18
size=1
activation=linear

[yolo]
mask=0,1,2
anchors=1,2, 3,4, 5,6
classes=1
num=3
"""
# 4 * 4 (beta, gamma, mean, var) + 4*3*3*3 kernel, then 18 biases + 18*4 kernel
NEEDED = 16 + 108 + 18 + 72


@pytest.fixture
def cfg_path(tmp_path):
    path = tmp_path / "tiny.cfg"
    path.write_text(CFG)
    return path


def _raw_file(path, values: int, header=(0, 2, 0), seen_dtype="<u8"):
    data = np.asarray(header, "<i4").tobytes() + np.asarray([7], seen_dtype).tobytes()
    data += np.arange(values, dtype="<f4").tobytes()
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("version", "header_bytes"), [((0, 1, 0), 16), ((0, 2, 0), 20), ((1, 0, 0), 20)]
)
def test_both_header_versions_round_trip(version, header_bytes, tmp_path, cfg_path, dn):
    convs = dn.random_conv_weights(cfg_path)
    path = tmp_path / "w.weights"
    darknet.write_weights(path, convs, version=version, seen=123456)
    assert path.stat().st_size == header_bytes + 4 * NEEDED
    weights = darknet.read_weights(path)
    assert (weights.major, weights.minor, weights.revision) == version
    assert weights.seen == 123456
    plans = darknet.plan_layers(darknet.parse_cfg(cfg_path))
    back = split_conv_weights(plans, weights)
    np.testing.assert_array_equal(back[0].kernel, np.float32(convs[0].kernel))
    np.testing.assert_array_equal(back[0].variance, np.float32(convs[0].variance))
    np.testing.assert_array_equal(back[1].bias, np.float32(convs[1].bias))
    assert back[1].gamma is None


def test_weights_land_in_keras_layers(tmp_path, cfg_path, dn):
    convs = dn.random_conv_weights(cfg_path)
    path = tmp_path / "w.weights"
    darknet.write_weights(path, convs)
    model = darknet.build(cfg_path, path)
    kernel = model.get_layer("conv_0").get_weights()[0]
    np.testing.assert_allclose(kernel, convs[0].kernel.transpose(2, 3, 1, 0), rtol=1e-6)
    gamma, beta, _mean, var = model.get_layer("bn_0").get_weights()
    np.testing.assert_allclose(gamma, convs[0].gamma, rtol=1e-6)
    np.testing.assert_allclose(beta, convs[0].bias, rtol=1e-6)
    np.testing.assert_allclose(var, convs[0].variance, rtol=1e-6)
    assert model.get_layer("bn_0").epsilon == darknet.BN_EPSILON
    _, bias = model.get_layer("conv_1").get_weights()
    np.testing.assert_allclose(bias, convs[1].bias, rtol=1e-6)


@pytest.mark.parametrize(("extra", "word"), [(3, "leftover"), (-5, "too few")])
def test_wrong_float_count_is_a_clear_error(extra, word, tmp_path, cfg_path):
    path = _raw_file(tmp_path / "bad.weights", NEEDED + extra)
    with pytest.raises(ZooError) as err:
        darknet.build(cfg_path, path)
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message and word in message
    assert f"holds {NEEDED + extra} float32" in message and f"need {NEEDED}" in message


def test_old_header_with_int32_seen(tmp_path, cfg_path):
    path = _raw_file(tmp_path / "old.weights", NEEDED, header=(0, 1, 0), seen_dtype="<i4")
    model = darknet.build(cfg_path, path)
    assert model.get_layer("conv_1").get_weights()[1][0] == NEEDED - 18 - 72


def test_broken_files(tmp_path, cfg_path):
    short = tmp_path / "short.weights"
    short.write_bytes(b"\x00" * 8)
    with pytest.raises(ZooError, match="too short"):
        darknet.read_weights(short)
    ragged = _raw_file(tmp_path / "ragged.weights", 10)
    ragged.write_bytes(ragged.read_bytes() + b"\x00\x00")
    with pytest.raises(ZooError, match="whole number of float32"):
        darknet.read_weights(ragged)
    transposed = _raw_file(tmp_path / "t.weights", 10, header=(1001, 0, 0))
    with pytest.raises(ZooError, match="transposed"):
        darknet.read_weights(transposed)
    with pytest.raises(ZooError, match="cannot read"):
        darknet.read_weights(tmp_path / "missing.weights")


def test_write_weights_without_batch_norm_has_no_bn_arrays(tmp_path):
    conv = ConvWeights(bias=np.ones(2), kernel=np.zeros((2, 1, 1, 1)))
    darknet.write_weights(tmp_path / "x.weights", [conv], version=(0, 1, 0))
    assert darknet.read_weights(tmp_path / "x.weights").values.size == 4
