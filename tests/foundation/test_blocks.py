"""Shared blocks: shapes, gradients, serialisation, golden values, bilinear = cv2, pad/crop."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pytest

from foundation.helpers import (
    assert_all_gradients_nonzero,
    assert_golden,
    gradients,
    projection_loss,
    random_image,
    seed_weights,
)
from zoo.blocks.conv_bn_act import conv_bn_act, residual_block
from zoo.blocks.preprocessing import (
    CropLike,
    ImageNormalization,
    PadToMultiple,
    ResizeBy,
    ResizeLike,
    resize_bilinear,
)
from zoo.blocks.upsample import BilinearInitializer, BilinearUpsample, bilinear_kernel

pytestmark = pytest.mark.model


def block_model() -> keras.Model:
    """conv_bn_act (stride 2) -> residual block with projection -> identity residual block."""
    inputs = keras.Input((None, None, 3))
    x = conv_bn_act(inputs, 8, 3, strides=2, name="stem")
    x = residual_block(x, 12, strides=2, name="res1")
    x = residual_block(x, 12, name="res2")
    x = conv_bn_act(x, 4, 1, activation=None, use_bn=False, name="head")
    return keras.Model(inputs, x, name="blocks")


def _roundtrip(model, tmp_path):
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    return keras.saving.load_model(path, safe_mode=True)


# --- conv_bn_act / residual_block -------------------------------------------------------------


def test_conv_bn_act_shapes_and_layer_names():
    x = keras.Input((37, 53, 3))
    y = conv_bn_act(x, 16, 3, strides=2, name="c")
    assert tuple(y.shape) == (None, 19, 27, 16)
    model = keras.Model(x, y)
    names = [layer.name for layer in model.layers[1:]]
    assert names == ["c_conv", "c_bn", "c_act"]
    assert model.get_layer("c_conv").use_bias is False
    linear = keras.Model(x, conv_bn_act(x, 4, 1, activation=None, use_bn=False, name="l"))
    assert [layer.name for layer in linear.layers[1:]] == ["l_conv"]
    assert linear.get_layer("l_conv").use_bias is True


def test_residual_block_projection_only_when_needed():
    x = keras.Input((16, 16, 8))
    same = keras.Model(x, residual_block(x, 8, name="r"))
    assert "r_proj_conv" not in [layer.name for layer in same.layers]
    assert tuple(same.output.shape) == (None, 16, 16, 8)
    down = keras.Model(x, residual_block(x, 12, strides=2, name="r"))
    assert "r_proj_conv" in [layer.name for layer in down.layers]
    assert tuple(down.output.shape) == (None, 8, 8, 12)


def test_block_model_every_weight_gets_a_gradient():
    model = block_model()
    x = random_image(24, 20, batch=2) / 255.0
    out_shape = (2, 6, 5, 4)
    assert tuple(model(x).shape) == out_shape
    assert_all_gradients_nonzero(model, gradients(model, x, projection_loss(out_shape)))


def test_block_model_fit_changes_every_trainable_weight():
    model = block_model()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = [np.array(v.numpy()) for v in model.trainable_variables]
    x = random_image(16, 16, batch=2) / 255.0
    y = np.random.default_rng(1).normal(size=(2, 4, 4, 4)).astype("float32")
    model.fit(x, y, epochs=1, batch_size=2, verbose=0)
    for var, old in zip(model.trainable_variables, before, strict=True):
        assert not np.array_equal(var.numpy(), old), f"{var.path} did not change"


def test_block_model_config_and_keras_roundtrip(tmp_path):
    model = block_model()
    seed_weights(model)
    x = random_image(20, 28, batch=1) / 255.0
    expected = np.asarray(model(x))
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(clone(x)), expected, rtol=1e-6, atol=1e-6)
    loaded = _roundtrip(model, tmp_path)
    np.testing.assert_allclose(np.asarray(loaded(x)), expected, rtol=1e-6, atol=1e-6)


def test_block_model_golden():
    model = block_model()
    seed_weights(model, seed=3)
    x = random_image(24, 20, seed=4, batch=1) / 255.0
    assert_golden("conv_bn_act_block", np.asarray(model(x)), rtol=1e-4, atol=1e-4)


# --- BilinearUpsample ----------------------------------------------------------------------------


@pytest.mark.parametrize("factor", [2, 4, 8, 32])
def test_bilinear_kernel_is_a_partition_of_unity(factor):
    kernel = bilinear_kernel(factor, 3)
    assert kernel.shape == (2 * factor, 2 * factor, 3, 3)
    assert np.all(kernel[:, :, 0, 1] == 0), "channels must not mix"
    filt = kernel[:, :, 0, 0]
    # every output pixel sums the weights of one phase: they must add up to 1
    for i in range(factor):
        for j in range(factor):
            assert np.isclose(filt[i::factor, j::factor].sum(), 1.0)


def test_bilinear_initializer_checks_the_shape():
    value = np.asarray(BilinearInitializer()((4, 4, 2, 2), dtype="float32"))
    np.testing.assert_array_equal(value, bilinear_kernel(2, 2))
    with pytest.raises(ValueError, match="2f, 2f, C, C"):
        BilinearInitializer()((3, 3, 2, 2))
    with pytest.raises(ValueError, match="2f, 2f, C, C"):
        BilinearInitializer()((4, 4, 2, 3))


@pytest.mark.parametrize("factor", [2, 8, 32])
def test_bilinear_upsample_equals_cv2_in_the_interior(factor):
    x = np.random.default_rng(factor).uniform(size=(1, 7, 9, 2)).astype("float32")
    y = np.asarray(BilinearUpsample(factor)(x))[0]
    assert y.shape == (7 * factor, 9 * factor, 2)
    for c in range(2):
        ref = cv2.resize(x[0, :, :, c], (9 * factor, 7 * factor), interpolation=cv2.INTER_LINEAR)
        np.testing.assert_allclose(
            y[factor:-factor, factor:-factor, c], ref[factor:-factor, factor:-factor], atol=1e-5
        )


def test_bilinear_upsample_of_a_constant_is_constant_inside():
    y = np.asarray(BilinearUpsample(4)(np.full((1, 5, 6, 3), 2.5, "float32")))
    assert y.shape == (1, 20, 24, 3)
    np.testing.assert_allclose(y[0, 4:-4, 4:-4], 2.5, rtol=1e-6)


def test_bilinear_upsample_symbolic_shape_and_trainable_flag():
    fixed = BilinearUpsample(8, trainable=False)
    out = fixed(keras.Input((None, 5, 4)))
    assert tuple(out.shape) == (None, None, 40, 4)
    assert fixed.trainable_weights == [] and len(fixed.non_trainable_weights) == 1
    learned = BilinearUpsample(2)
    learned(keras.Input((3, 3, 4)))
    assert len(learned.trainable_weights) == 1


def test_bilinear_upsample_gradient_config_and_roundtrip(tmp_path):
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, BilinearUpsample(2, name="up")(inputs), name="up_model")
    x = np.random.default_rng(0).normal(size=(1, 5, 7, 3)).astype("float32")
    assert_all_gradients_nonzero(model, gradients(model, x, projection_loss((1, 10, 14, 3))))
    layer = model.get_layer("up")
    clone = BilinearUpsample.from_config(layer.get_config())
    assert clone.factor == 2 and clone.get_config() == layer.get_config()
    frozen = BilinearUpsample(4, trainable=False)
    assert BilinearUpsample.from_config(frozen.get_config()).trainable is False
    loaded = _roundtrip(model, tmp_path)
    assert isinstance(loaded.get_layer("up"), BilinearUpsample)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)


def test_bilinear_upsample_golden():
    x = np.random.default_rng(5).normal(size=(1, 3, 4, 2)).astype("float32")
    assert_golden("bilinear_upsample_x2", np.asarray(BilinearUpsample(2)(x)), 1e-5, 1e-5)
    assert_golden("bilinear_upsample_x8", np.asarray(BilinearUpsample(8)(x)), 1e-5, 1e-5)


# --- preprocessing layers ------------------------------------------------------------------------


def test_image_normalization_values_and_bgr():
    x = random_image(3, 4, batch=1)
    layer = ImageNormalization(mean=(1.0, 2.0, 3.0), std=(2.0, 4.0, 8.0), scale=0.5)
    expected = (x * 0.5 - np.array([1.0, 2.0, 3.0])) / np.array([2.0, 4.0, 8.0])
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-6)
    bgr = ImageNormalization(mean=(10.0, 20.0, 30.0), bgr=True)
    np.testing.assert_allclose(np.asarray(bgr(x)), x[..., ::-1] - [10.0, 20.0, 30.0], rtol=1e-6)
    clone = ImageNormalization.from_config(bgr.get_config())
    assert clone.get_config() == bgr.get_config()
    ints = np.full((1, 2, 2, 3), 255, np.uint8)
    np.testing.assert_allclose(np.asarray(ImageNormalization(scale=1 / 255)(ints)), 1.0)


@pytest.mark.parametrize(
    ("h", "w", "multiple", "expected"),
    [
        (37, 53, 32, (64, 64)),
        (100, 130, 32, (128, 160)),
        (37, 53, 8, (40, 56)),
        (64, 32, 32, (64, 32)),
    ],
)
def test_pad_to_multiple(h, w, multiple, expected):
    x = random_image(h, w, batch=2) + 1.0
    layer = PadToMultiple(multiple)
    y = np.asarray(layer(x))
    assert y.shape == (2, *expected, 3)
    assert layer.compute_output_shape((2, h, w, 3)) == (2, *expected, 3)
    np.testing.assert_array_equal(y[:, :h, :w], x)
    assert np.all(y[:, h:] == 0) and np.all(y[:, :, w:] == 0)
    assert PadToMultiple.from_config(layer.get_config()).multiple == multiple


def test_crop_like_restores_odd_sizes():
    image = keras.Input((None, None, 3))
    padded = PadToMultiple(32)(image)
    cropped = CropLike()(padded * 2.0, image)
    model = keras.Model(image, cropped)
    for h, w in ((37, 53), (1, 1), (33, 31)):
        x = random_image(h, w, batch=1)
        np.testing.assert_allclose(np.asarray(model(x)), x * 2.0, rtol=1e-6)
    layer = CropLike()
    assert layer.compute_output_shape((1, 64, 64, 5), (1, 37, 53, 3)) == (1, 37, 53, 5)
    assert CropLike.from_config(layer.get_config()).name == layer.name


@pytest.mark.parametrize("size", [(55, 80), (20, 31), (37, 53), (1, 1), (74, 106)])
def test_resize_bilinear_equals_opencv(size):
    """Half-pixel bilinear, up and down, as ``cv2.INTER_LINEAR`` (no antialiasing)."""
    x = random_image(37, 53, batch=2)
    got = np.asarray(resize_bilinear(keras.ops.convert_to_tensor(x), *size))
    want = np.stack([cv2.resize(a, size[::-1], interpolation=cv2.INTER_LINEAR) for a in x])
    assert got.shape == (2, *size, 3)
    np.testing.assert_allclose(got, want, atol=1e-3)


def test_resize_by_and_back_in_a_model_of_any_size(tmp_path):
    """``ResizeBy`` inside a functional model whose size is known only at run time, and
    ``ResizeLike`` back to the input: sizes, values, config and a save/load round trip."""
    image = keras.Input((None, None, 3))
    scaled = ResizeBy(1.5, name="up")(image)
    back = ResizeLike(name="back")(scaled * 2.0, image)
    model = keras.Model(image, [scaled, back])
    for h, w in ((37, 53), (2, 3), (40, 60)):
        x = random_image(h, w, batch=1)
        up, restored = (np.asarray(t) for t in model(x))
        assert up.shape == (1, round(h * 1.5), round(w * 1.5), 3)
        want = cv2.resize(x[0], (up.shape[2], up.shape[1]), interpolation=cv2.INTER_LINEAR)
        np.testing.assert_allclose(up[0], want, atol=1e-3)
        assert restored.shape == x.shape
    assert ResizeBy(1.5).compute_output_shape((1, 37, 53, 3)) == (1, 56, 80, 3)
    assert ResizeBy.from_config(ResizeBy(1.25).get_config()).factor == 1.25
    path = tmp_path / "resize.keras"
    model.save(path)
    x = random_image(37, 53, batch=1)
    np.testing.assert_allclose(
        np.asarray(keras.saving.load_model(path)(x)[1]), np.asarray(model(x)[1]), rtol=1e-6
    )
