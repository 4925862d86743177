"""FCN-32s/16s/8s: any input size, ``segment()``, gradients, serialisation, golden values.

FCN-4s, which needs a stride-4 backbone output, is tested in test_darknet_backbone.py.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from foundation.helpers import (
    TINY_BACKBONE,
    assert_all_gradients_nonzero,
    assert_golden,
    gradients,
    projection_loss,
    random_image,
    seed_weights,
    tiny_fcn,
)
from zoo.segmentation.fcn import FCN

pytestmark = pytest.mark.model

VARIANTS = ("fcn32s", "fcn16s", "fcn8s")


@pytest.fixture(scope="module", params=VARIANTS)
def variant_model(request):
    """One tiny model per variant, shared by the tests of this module."""
    return tiny_fcn(request.param, 3)


@pytest.mark.parametrize("size", [(37, 53), (100, 130), (32, 32), (1, 7)])
def test_output_has_the_input_size(variant_model, size):
    out = variant_model(random_image(*size, batch=2))
    assert tuple(out.shape) == (2, *size, 3)
    assert out.dtype == "float32"


def test_variant_layers():
    names = {v: {layer.name for layer in tiny_fcn(v, 3).layers} for v in VARIANTS}
    assert "score_pool4" not in names["fcn32s"] and "upscore32x" in names["fcn32s"]
    assert "score_pool4" in names["fcn16s"] and "score_pool3" not in names["fcn16s"]
    assert {"score_pool4", "score_pool3", "upscore8x"} <= names["fcn8s"]


def test_segment_returns_exact_uint8_masks(variant_model):
    rng = np.random.default_rng(0)
    sizes = [(37, 53), (64, 64), (37, 53), (20, 90), (37, 53)]
    images = [rng.integers(0, 256, (*s, 3), dtype=np.uint8) for s in sizes]
    masks = variant_model.segment(images, batch_size=2)
    assert len(masks) == len(images)
    for image, mask in zip(images, masks, strict=True):
        assert mask.dtype == np.uint8
        assert mask.shape == image.shape[:2]
        assert mask.max() < 3
    # the same image gives the same mask alone or in a batch, and a single array is accepted
    alone = variant_model.segment(images[3])
    np.testing.assert_array_equal(alone[0], masks[3])


def test_segment_rejects_non_rgb(variant_model):
    with pytest.raises(ValueError, match="image 1"):
        variant_model.segment([np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), np.uint8)])


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown FCN variant"):
        FCN(num_classes=3, variant="fcn1s")
    with pytest.raises(ValueError, match="fcn4s needs a stride-4 'P2'"):
        FCN(num_classes=3, variant="fcn4s", backbone="litenet")
    with pytest.raises(ValueError, match="fcn2s needs a stride-2 'P1'"):
        FCN(num_classes=3, variant="fcn2s", backbone="litenet")
    with pytest.raises(ValueError, match="2 class names for 3 classes"):
        FCN(num_classes=3, class_names=["a", "b"])


def test_every_trainable_weight_gets_a_gradient():
    model = tiny_fcn("fcn8s", 3)
    x = random_image(64, 64, batch=2)
    grads = gradients(model, x, projection_loss((2, 64, 64, 3)))
    assert_all_gradients_nonzero(model, grads)
    assert "upscore8x/kernel" not in {v.path for v in model.trainable_variables}


def test_fit_one_step_with_void_labels():
    from zoo.segmentation.train import compile_segmentation

    model = tiny_fcn("fcn8s", 3)
    compile_segmentation(model, keras.optimizers.Adam(1e-3), ignore_index=255, jit_compile=False)
    model.run_eagerly = True  # one step: tracing would cost more than it saves
    x = random_image(32, 32, batch=2)
    y = np.random.default_rng(0).integers(0, 3, (2, 32, 32)).astype("int32")
    y[:, :4] = 255
    history = model.fit(x, y, epochs=1, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert 0.0 <= history.history["miou"][0] <= 1.0


def test_config_and_keras_roundtrip(tmp_path):
    from zoo.api import load_model_file

    model = tiny_fcn("fcn16s", 3, ignore_index=11, dropout=0.1)
    seed_weights(model, skip=("upscore",))
    x = random_image(37, 53, batch=1)
    expected = np.asarray(model(x))
    config = model.get_config()
    assert config["backbone_config"] == TINY_BACKBONE
    clone = FCN.from_config(config)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(clone(x)), expected, rtol=1e-5, atol=1e-5)
    path = tmp_path / "tiny.keras"
    model.save(path)
    loaded = load_model_file(path)
    assert isinstance(loaded, FCN)
    assert loaded.get_config() == config
    assert loaded.class_names == model.class_names and loaded.ignore_index == 11
    assert loaded.architecture_name() == "fcn16s" and loaded.task == "segmentation"
    np.testing.assert_allclose(np.asarray(loaded(x)), expected, rtol=1e-5, atol=1e-5)


def test_fcn8s_golden():
    """Fixed weights (numpy) and input: the logits at a few odd-sized positions."""
    model = tiny_fcn("fcn8s", 3)
    seed_weights(model, seed=7, skip=("upscore",))
    out = np.asarray(model(random_image(37, 53, seed=8, batch=1)))
    assert_golden("fcn8s_tiny_logits", out[0, ::4, ::4], rtol=1e-4, atol=1e-4)


def test_refine_starts_from_the_plain_fcn_and_roundtrips(tmp_path):
    """``refine``: same output as the plain FCN at init (zero score), saved and loaded whole,
    and folded for inference without changing its output."""
    from zoo.api import load_model_file
    from zoo.blocks.fold import fold_batch_norm

    plain = tiny_fcn("fcn8s", 3)
    seed_weights(plain, seed=3, skip=("upscore",))
    refined = tiny_fcn("fcn8s", 3, refine=8)
    values = {v.path: v.numpy() for v in plain.weights}
    new = [v for v in refined.weights if v.path not in values]
    for v in refined.weights:
        if v.path in values:
            v.assign(values[v.path])
    assert {v.path.split("/")[0] for v in new} == {
        "refine1_dw", "refine1_dw_bn", "refine1_pw_conv", "refine1_pw_bn",
        "refine2_dw", "refine2_dw_bn", "refine2_pw_conv", "refine2_pw_bn", "refine_score",
    }  # fmt: skip
    x = random_image(45, 61, batch=2)
    np.testing.assert_allclose(np.asarray(refined(x)), np.asarray(plain(x)), atol=1e-5)

    seed_weights(refined, seed=4, skip=("upscore",))  # a trained-looking refinement
    grads = gradients(refined, x, projection_loss((2, 45, 61, 3)))
    assert_all_gradients_nonzero(refined, grads)
    expected = np.asarray(refined(x))  # after the training-mode pass moved the BN statistics
    assert np.abs(expected - np.asarray(plain(x))).max() > 1e-3
    path = tmp_path / "refined.keras"
    refined.save(path)
    loaded = load_model_file(path)
    assert loaded.get_config()["refine"] == 8
    np.testing.assert_allclose(np.asarray(loaded(x)), expected, rtol=1e-5, atol=1e-5)
    folded = fold_batch_norm(keras.Model(refined.inputs, refined.outputs))
    np.testing.assert_allclose(np.asarray(folded(x)), expected, rtol=1e-4, atol=1e-4)


def test_input_scale_runs_the_fcn_on_the_resized_image(tmp_path):
    """``input_scale``: the same network as the plain FCN, fed the image resized by the factor
    (as OpenCV resizes), its scores resized back to the image; gradients, save/load, folding."""
    import cv2

    from zoo.api import load_model_file
    from zoo.blocks.fold import fold_batch_norm

    plain = tiny_fcn("fcn8s", 3)
    seed_weights(plain, seed=5, skip=("upscore",))
    scaled = tiny_fcn("fcn8s", 3, input_scale=1.5)
    assert [v.path for v in scaled.weights] == [v.path for v in plain.weights]
    for mine, theirs in zip(scaled.weights, plain.weights, strict=True):
        mine.assign(theirs.numpy())
    x = random_image(45, 61, batch=2)
    out = np.asarray(scaled(x))
    assert out.shape == (2, 45, 61, 3)
    big = np.stack([cv2.resize(a, (92, 68), interpolation=cv2.INTER_LINEAR) for a in x])
    want = np.stack(
        [cv2.resize(a, (61, 45), interpolation=cv2.INTER_LINEAR) for a in np.asarray(plain(big))]
    )
    np.testing.assert_allclose(out, want, atol=2e-3)
    assert np.abs(out - np.asarray(plain(x))).max() > 1e-2  # it did change the scale

    grads = gradients(scaled, x, projection_loss((2, 45, 61, 3)))
    assert_all_gradients_nonzero(scaled, grads)
    expected = np.asarray(scaled(x))
    path = tmp_path / "scaled.keras"
    scaled.save(path)
    loaded = load_model_file(path)
    assert loaded.get_config()["input_scale"] == 1.5
    np.testing.assert_allclose(np.asarray(loaded(x)), expected, rtol=1e-5, atol=1e-5)
    folded = fold_batch_norm(keras.Model(scaled.inputs, scaled.outputs))
    np.testing.assert_allclose(np.asarray(folded(x)), expected, rtol=1e-4, atol=1e-4)


def test_refine_dilations_build_one_dilated_block_each(tmp_path):
    """``refine_dilations``: a depthwise-separable block per rate, dilated as asked, any size."""
    from zoo.api import load_model_file

    model = tiny_fcn("fcn8s", 3, refine=8, refine_dilations=(1, 3, 9))
    rates = [model.get_layer(f"refine{i}_dw").dilation_rate for i in (1, 2, 3)]
    assert rates == [(1, 1), (3, 3), (9, 9)]
    x = random_image(45, 61, batch=1)
    assert tuple(model(x).shape) == (1, 45, 61, 3)
    model.save(tmp_path / "dilated.keras")
    assert load_model_file(tmp_path / "dilated.keras").get_config()["refine_dilations"] == [1, 3, 9]
