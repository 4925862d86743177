"""The Darknet backbone: a cfg cut at three layers gives a P3/P4/P5 pyramid of any input size,
takes a .weights file's values layer by layer, and an FCN built on it saves and reloads."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from foundation.helpers import assert_all_gradients_nonzero, gradients, random_image
from zoo.backbones import create_backbone, load_darknet_weights
from zoo.darknet import ConvWeights, build, parse_cfg_text, plan_layers, write_weights
from zoo.errors import ZooError
from zoo.segmentation.fcn import FCN

pytestmark = pytest.mark.model

# Strides 2, 4, 8 (layer 3), 16 (layer 5, a shortcut), 32 (layer 8, after a route) and an
# upsampled neck (layer 11) at stride 16, as yolo-fastest's; a [yolo] head follows.
CFG = """[net]
width=64
height=64
channels=3

[convolutional]
batch_normalize=1
filters=8
size=3
stride=2
pad=1
activation=leaky

[convolutional]
batch_normalize=1
filters=8
size=3
stride=2
pad=1
groups=8
activation=leaky

[convolutional]
batch_normalize=1
filters=12
size=3
stride=2
pad=1
activation=leaky

[convolutional]
batch_normalize=1
filters=12
size=1
stride=1
pad=0
activation=leaky

[convolutional]
batch_normalize=1
filters=12
size=3
stride=2
pad=1
activation=leaky

[shortcut]
from=-1
activation=linear

[convolutional]
batch_normalize=1
filters=16
size=3
stride=2
pad=1
activation=leaky

[route]
layers=-1

[convolutional]
batch_normalize=1
filters=16
size=1
stride=1
pad=0
activation=leaky

[upsample]
stride=2

[route]
layers=-1,5

[convolutional]
batch_normalize=1
filters=8
size=1
stride=1
pad=0
activation=linear

[convolutional]
size=1
stride=1
pad=1
filters=18
activation=linear

[yolo]
mask=0,1
anchors=10,10,20,20
classes=4
num=2
"""
TAPS = {"P3": 3, "P4": 11, "P5": 8}


def _write_random_weights(path):
    rng = np.random.default_rng(0)
    convs = []
    for plan in plan_layers(parse_cfg_text(CFG, "tiny.cfg")):
        if plan.kind != "convolutional":
            continue
        p = plan.params
        n = p["filters"]
        kernel = rng.normal(0, 0.3, (n, p["in_channels"] // p["groups"], p["size"], p["size"]))
        bn = {"gamma": rng.uniform(0.5, 1.5, n), "mean": rng.normal(0, 0.1, n)}
        bn["variance"] = rng.uniform(0.5, 1.5, n)
        convs.append(ConvWeights(bias=rng.normal(0, 0.1, n), kernel=kernel, **bn)
                     if p["batch_normalize"] else ConvWeights(bias=rng.normal(0, 0.1, n),
                     kernel=kernel))  # fmt: skip
    write_weights(path, convs)
    return path


def _backbone():
    return create_backbone("darknet", cfg=CFG, taps=TAPS)


def test_pyramid_strides_at_any_size():
    backbone = _backbone()
    for h, w in ((64, 64), (96, 160)):
        features = backbone(random_image(h, w, batch=1) / 255.0)
        assert {k: tuple(v.shape) for k, v in features.items()} == {
            "P3": (1, h // 8, w // 8, 12),
            "P4": (1, h // 16, w // 16, 8),
            "P5": (1, h // 32, w // 32, 16),
        }


def test_optional_stride_4_tap_and_fcn4s():
    taps = dict(TAPS, P2=1)  # layer 1: the stride-4 depthwise convolution
    features = create_backbone("darknet", cfg=CFG, taps=taps)(random_image(64, 96, batch=1) / 255)
    assert tuple(features["P2"].shape) == (1, 16, 24, 8)
    model = FCN(4, "fcn4s", backbone="darknet", backbone_config={"cfg": CFG, "taps": taps})
    names = {layer.name for layer in model.layers}
    assert {"score_pool2", "upscore4_2x", "upscore4x"} <= names and "upscore8x" not in names
    assert tuple(model(random_image(70, 90, batch=2)).shape) == (2, 70, 90, 4)
    with pytest.raises(ValueError, match="stride-4 'P2'"):
        FCN(4, "fcn4s", backbone="darknet", backbone_config={"cfg": CFG, "taps": TAPS})


def test_fcn4s_starts_from_a_trained_fcn8s(tmp_path):
    """Staged training: every FCN-8s weight is copied; the new skip scores zero at first."""
    from zoo.segmentation.train import initialise_from

    fcn8s = FCN(4, "fcn8s", backbone="darknet", backbone_config={"cfg": CFG, "taps": TAPS})
    for var in fcn8s.trainable_weights:  # non-zero skip scores, so copying is visible
        var.assign(np.random.default_rng(len(var.path)).normal(0, 0.2, var.shape))
    fcn8s.save(tmp_path / "stage1.keras")
    config = {"cfg": CFG, "taps": dict(TAPS, P2=1)}
    fcn4s = FCN(4, "fcn4s", backbone="darknet", backbone_config=config)
    initialise_from(fcn4s, str(tmp_path / "stage1.keras"))
    np.testing.assert_array_equal(
        fcn4s.get_layer("score_pool3").get_weights()[0],
        fcn8s.get_layer("score_pool3").get_weights()[0],
    )
    assert not np.any(fcn4s.get_layer("score_pool2").get_weights()[0])
    x = random_image(64, 96, batch=1)
    a, b = fcn8s.predict_on_batch(x), fcn4s.predict_on_batch(x)
    assert np.mean(a.argmax(-1) == b.argmax(-1)) > 0.9  # only the upsampling path differs


def test_optional_stride_2_tap_and_fcn2s_from_a_trained_fcn4s(tmp_path):
    """FCN-2s: a stride-2 skip (layer 0) and the refinement head at stride 2; staged from an
    FCN-4s, whose predictions it reproduces before training (new scores start at zero)."""
    from zoo.segmentation.train import initialise_from

    taps = dict(TAPS, P1=0, P2=1)
    features = create_backbone("darknet", cfg=CFG, taps=taps)(random_image(64, 96, batch=1) / 255)
    assert tuple(features["P1"].shape) == (1, 32, 48, 8)
    fcn4s = FCN(4, "fcn4s", backbone="darknet", backbone_config={"cfg": CFG, "taps": taps})
    for var in fcn4s.trainable_weights:
        var.assign(np.random.default_rng(len(var.path)).normal(0, 0.2, var.shape))
    fcn4s.save(tmp_path / "stage.keras")
    fcn2s = FCN(
        4, "fcn2s", backbone="darknet", backbone_config={"cfg": CFG, "taps": taps}, refine=4
    )
    names = {layer.name for layer in fcn2s.layers}
    assert {"score_pool1", "upscore2_2x", "upscore2x", "refine_score"} <= names
    assert "upscore4x" not in names
    initialise_from(fcn2s, str(tmp_path / "stage.keras"))
    assert not np.any(fcn2s.get_layer("score_pool1").get_weights()[0])
    x = random_image(70, 90, batch=2)
    a, b = fcn4s.predict_on_batch(x), fcn2s.predict_on_batch(x)
    assert b.shape == (2, 70, 90, 4)
    assert np.mean(a.argmax(-1) == b.argmax(-1)) > 0.9  # only the upsampling path differs
    with pytest.raises(ValueError, match="stride-2 'P1'"):
        FCN(4, "fcn2s", backbone="darknet", backbone_config={"cfg": CFG, "taps": TAPS})


def test_layers_past_the_taps_are_left_out():
    names = {layer.name for layer in _backbone().layers}
    assert "conv_11" in names and "conv_12" not in names


def test_weights_file_values_give_the_full_networks_tap_outputs(tmp_path):
    weights = _write_random_weights(tmp_path / "tiny.weights")
    backbone = _backbone()
    assert (
        load_darknet_weights(backbone, CFG, weights) == 16
    )  # 8 convolutions and their 8 batch norms
    reference = build(parse_cfg_text(CFG, "tiny.cfg"), weights, taps=[3, 11, 8], any_size=True)
    x = random_image(64, 96, batch=2) / 255.0
    ours = backbone(x)
    for level, expected in zip(("P3", "P4", "P5"), reference(x), strict=True):
        np.testing.assert_allclose(ours[level], expected, rtol=1e-5, atol=1e-5)


def test_gradients_reach_every_weight():
    backbone = _backbone()
    x = random_image(64, 64, batch=2) / 255.0

    def loss(features):
        return sum(keras.ops.mean(v * v) for v in features.values())

    assert_all_gradients_nonzero(backbone, gradients(backbone, x, loss))


def test_bad_taps_are_named():
    with pytest.raises(ZooError, match="P3, P4, P5"):
        create_backbone("darknet", cfg=CFG, taps={"P3": 3, "P4": 5})
    with pytest.raises(ZooError, match="optionally P1, P2"):
        create_backbone("darknet", cfg=CFG, taps=dict(TAPS, P0=1))
    with pytest.raises(ZooError, match="no darknet layer numbered 40"):
        create_backbone("darknet", cfg=CFG, taps={"P3": 3, "P4": 5, "P5": 40})


def test_fcn_on_darknet_saves_and_reloads(tmp_path):
    model = FCN(4, "fcn8s", backbone="darknet", backbone_config={"cfg": CFG, "taps": TAPS})
    x = random_image(70, 90, batch=1)
    expected = model.predict_on_batch(x)
    assert expected.shape == (1, 70, 90, 4)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict_on_batch(x), expected, rtol=1e-5, atol=1e-5)
    assert loaded.backbone_config["cfg"] == CFG


@pytest.mark.data
def test_real_yolo_fastest_xl_taps_load(zoo_data):
    darknet = zoo_data / "darknet"
    cfg = (darknet / "yolo-fastest-1.1-xl.cfg").read_text()
    backbone = create_backbone("darknet", cfg=cfg, taps={"P3": 58, "P4": 128, "P5": 119})
    assert load_darknet_weights(backbone, cfg, darknet / "yolo-fastest-1.1-xl.weights") > 100
    features = backbone(random_image(96, 128, batch=1) / 255.0)
    assert [tuple(features[k].shape)[-1] for k in ("P3", "P4", "P5")] == [192, 144, 96]


@pytest.mark.data
def test_camvid_recipe_names_a_darknet_backbone_that_resolves(zoo_data):
    from zoo.data.paths import PROJECT_ROOT
    from zoo.segmentation.train import resolve_darknet_backbone
    from zoo.training.recipe import load_recipe

    recipe = load_recipe(PROJECT_ROOT / "apps/segmentation/recipes/fcn8s_camvid_8s.toml", [])
    model_cfg = dict(recipe["model"])
    cfg_text, weights = resolve_darknet_backbone(model_cfg)
    assert weights == zoo_data / "darknet" / "yolo-fastest-1.1-xl.weights"
    assert model_cfg["backbone_config"]["cfg"] == cfg_text and "[yolo]" in cfg_text
    assert "cfg_file" not in model_cfg["backbone_config"]  # the saved config holds the text


def test_darknet_backbone_without_cfg_is_named():
    from zoo.segmentation.train import resolve_darknet_backbone

    with pytest.raises(ZooError, match="cfg_file"):
        resolve_darknet_backbone({"backbone": "darknet", "backbone_config": {"taps": TAPS}})
    assert resolve_darknet_backbone({"backbone": "litenet"}) is None
