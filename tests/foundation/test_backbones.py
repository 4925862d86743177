"""Backbones: pyramid strides, gradients and VGG16 ImageNet weights from a keras.applications h5."""

from __future__ import annotations

import h5py
import keras
import numpy as np
import pytest

from foundation.helpers import (
    TINY_BACKBONE,
    assert_all_gradients_nonzero,
    gradients,
    random_image,
)
from zoo.backbones import BACKBONE_PREPROCESSING, BACKBONES, create_backbone
from zoo.backbones.vgg16 import TOP_FILE, load_vgg16_imagenet, vgg16
from zoo.errors import WeightsError, ZooError

pytestmark = pytest.mark.model

FC_UNITS = 8


@pytest.fixture(scope="module")
def tiny_vgg16():
    """VGG16 with 8-unit fc6/fc7 (the convolutions are the real sizes)."""
    return vgg16(fc_units=FC_UNITS)


def _assert_pyramid(features, h, w, channels):
    assert sorted(features) == ["P3", "P4", "P5"]
    for level, stride in (("P3", 8), ("P4", 16), ("P5", 32)):
        assert tuple(features[level].shape) == (1, h // stride, w // stride, channels[level])


def test_litenet_pyramid_strides():
    backbone = create_backbone("litenet", **TINY_BACKBONE)
    features = backbone(random_image(64, 96, batch=1) / 255.0)
    _assert_pyramid(features, 64, 96, {"P3": 16, "P4": 16, "P5": 16})


def test_litenet_gradients_reach_every_weight():
    backbone = create_backbone("litenet", **TINY_BACKBONE)
    x = random_image(64, 64, batch=2) / 255.0
    r = {k: np.random.default_rng(i).normal(size=(2, 64 // s, 64 // s, 16)).astype("float32")
         for i, (k, s) in enumerate((("P3", 8), ("P4", 16), ("P5", 32)))}  # fmt: skip

    def loss(features):
        return sum(keras.ops.mean(features[k] * r[k]) for k in r)

    assert_all_gradients_nonzero(backbone, gradients(backbone, x, loss))


def test_litenet_rejects_wrong_stage_count():
    with pytest.raises(ValueError, match="five"):
        create_backbone("litenet", widths=(8, 8, 8), depths=(1, 1, 1))


def test_vgg16_pyramid_strides(tiny_vgg16):
    assert tiny_vgg16.get_layer("fc6").kernel.shape == (7, 7, 512, FC_UNITS)
    features = tiny_vgg16(random_image(64, 96, batch=1))
    _assert_pyramid(features, 64, 96, {"P3": 256, "P4": 512, "P5": FC_UNITS})


def test_vgg16_without_fc_layers():
    backbone = vgg16(fc_units=0)
    assert "fc6" not in [layer.name for layer in backbone.layers]
    assert backbone.output["P5"].shape[-1] == 512


def test_unknown_backbone():
    with pytest.raises(ZooError, match="unknown backbone"):
        create_backbone("resnet1000")
    assert set(BACKBONE_PREPROCESSING) == set(BACKBONES) == {"darknet", "litenet", "vgg16"}


def _write_keras_applications_h5(path, layers: dict[str, list[np.ndarray]]) -> None:
    """Write ``layers`` in the keras.applications (Keras 2 ``save_weights``) h5 layout."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [name.encode() for name in layers]
        for name, arrays in layers.items():
            group = f.create_group(name)
            names = [f"{name}/{w}:0" for w in ("kernel", "bias")[: len(arrays)]]
            group.attrs["weight_names"] = [n.encode() for n in names]
            for n, array in zip(names, arrays, strict=True):
                group.create_dataset(n, data=array)


def _fake_imagenet(backbone, rng) -> dict[str, list[np.ndarray]]:
    """Random weights for the first block and fc1/fc2 in the classifier's (dense) shapes."""
    layers = {}
    for name in ("block1_conv1", "block1_conv2", "block5_conv3"):
        layer = backbone.get_layer(name)
        layers[name] = [
            rng.normal(size=tuple(layer.kernel.shape)).astype("float32"),
            rng.normal(size=tuple(layer.bias.shape)).astype("float32"),
        ]
    layers["fc1"] = [
        rng.normal(size=(7 * 7 * 512, FC_UNITS)).astype("float32"),
        rng.normal(size=(FC_UNITS,)).astype("float32"),
    ]
    layers["fc2"] = [
        rng.normal(size=(FC_UNITS, FC_UNITS)).astype("float32"),
        rng.normal(size=(FC_UNITS,)).astype("float32"),
    ]
    layers["flatten"] = []  # layers without weights are listed too
    layers["predictions"] = [  # the classifier head has no counterpart: ignored
        rng.normal(size=(FC_UNITS, 1000)).astype("float32"),
        rng.normal(size=(1000,)).astype("float32"),
    ]
    return layers


def test_load_vgg16_imagenet_by_layer_name(tiny_vgg16, tmp_path):
    fake = _fake_imagenet(tiny_vgg16, np.random.default_rng(0))
    path = tmp_path / TOP_FILE
    _write_keras_applications_h5(path, fake)
    untouched = np.array(tiny_vgg16.get_layer("block2_conv1").kernel.numpy())
    loaded = load_vgg16_imagenet(tiny_vgg16, path)
    assert sorted(loaded) == ["block1_conv1", "block1_conv2", "block5_conv3", "fc6", "fc7"]
    for name in ("block1_conv1", "block1_conv2", "block5_conv3"):
        kernel, bias = tiny_vgg16.get_layer(name).get_weights()
        np.testing.assert_array_equal(kernel, fake[name][0])
        np.testing.assert_array_equal(bias, fake[name][1])
    fc6_kernel, fc6_bias = tiny_vgg16.get_layer("fc6").get_weights()
    # fc1 is a Dense on the flattened (7, 7, 512) block5_pool: a 7x7 convolution in row-major order
    np.testing.assert_array_equal(fc6_kernel, fake["fc1"][0].reshape(7, 7, 512, FC_UNITS))
    np.testing.assert_array_equal(fc6_kernel[2, 3, 5], fake["fc1"][0][(2 * 7 + 3) * 512 + 5])
    np.testing.assert_array_equal(fc6_bias, fake["fc1"][1])
    np.testing.assert_array_equal(
        tiny_vgg16.get_layer("fc7").kernel.numpy(), fake["fc2"][0].reshape(1, 1, 8, 8)
    )
    np.testing.assert_array_equal(tiny_vgg16.get_layer("block2_conv1").kernel.numpy(), untouched)


def test_load_vgg16_imagenet_skips_fc_of_other_sizes(tiny_vgg16, tmp_path):
    fake = _fake_imagenet(tiny_vgg16, np.random.default_rng(1))
    fake["fc1"][0] = np.zeros((7 * 7 * 512, 16), "float32")
    fake["fc1"][1] = np.zeros((16,), "float32")
    path = tmp_path / "partial.h5"
    _write_keras_applications_h5(path, fake)
    loaded = load_vgg16_imagenet(tiny_vgg16, path)
    assert "fc6" not in loaded and "block1_conv1" in loaded


def test_load_vgg16_imagenet_reads_full_model_files(tiny_vgg16, tmp_path):
    """Files saved with the whole model keep the layers under ``model_weights``."""
    fake = _fake_imagenet(tiny_vgg16, np.random.default_rng(2))
    path = tmp_path / "full.h5"
    _write_keras_applications_h5(path, fake)
    with h5py.File(path, "a") as f:
        f.create_group("model_weights")
        for name in fake:
            f.move(name, f"model_weights/{name}")
    assert "block1_conv1" in load_vgg16_imagenet(tiny_vgg16, path)


def test_missing_vgg16_weights_file(tiny_vgg16, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    missing = tmp_path / "nowhere" / TOP_FILE
    with pytest.raises(WeightsError) as info:
        load_vgg16_imagenet(tiny_vgg16, missing)
    message = str(info.value)
    assert str(missing) in message
    assert "not found" in message and TOP_FILE in message and "keras_home" in message


def test_h5_without_vgg16_layers(tiny_vgg16, tmp_path):
    path = tmp_path / "other.h5"
    _write_keras_applications_h5(path, {"dense_1": [np.zeros((2, 2), "float32")]})
    with pytest.raises(WeightsError, match="no VGG16 layer weights"):
        load_vgg16_imagenet(tiny_vgg16, path)
