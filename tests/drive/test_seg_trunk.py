"""A driving model whose segmentation has its own copy of the deep layers (``seg_trunk``):
it starts as the shared network, trains while the detector's layers stay frozen, and keeps
its own weights through save/reload and weight transfer. Small inputs, the real
yolo-fastest-1.1-xl cfg, random values."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import zoo
from zoo.api import transfer_weights
from zoo.weights import manifest

pytestmark = pytest.mark.model
SIZE = (64, 96)


@pytest.fixture(scope="module")
def cfg_text():
    return manifest()["yolo-fastest-xl-coco"]["config"]["cfg_text"]


def _model(cfg_text, seg_trunk: int):
    return zoo.create_model(
        "drive", num_classes=11, backbone_config={"cfg": cfg_text}, input_size=SIZE,
        seg_trunk=seg_trunk,
    )  # fmt: skip


@pytest.fixture(scope="module")
def pair(cfg_text):
    """A shared-network model and a ``seg_trunk=65`` one with the same values."""
    keras.utils.set_random_seed(0)
    shared = _model(cfg_text, 0)
    own = _model(cfg_text, 65)
    transfer_weights(shared, own, verbose=False)
    assert own.init_seg_trunk() > 0
    return shared, own


def _images(n=2):
    return np.random.default_rng(0).uniform(0, 255, (n, *SIZE, 3)).astype("float32")


def _numpy(outputs):
    return [keras.ops.convert_to_numpy(o) for o in outputs]


def test_weight_paths_stay_unique(pair):
    _, own = pair
    paths = [v.path for v in own.weights]
    assert len(paths) == len(set(paths))
    assert any(p.startswith("seg_conv_66/") for p in paths)
    assert own.get_layer("seg_trunk").count_params() > 500_000


def test_starts_as_the_shared_network(pair):
    shared, own = pair
    a, b = _numpy(shared(_images())), _numpy(own(_images()))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5)


def test_trains_while_detection_stays_exact(cfg_text, pair):
    from zoo.segmentation.train import compile_segmentation

    _, start = pair
    model = _model(cfg_text, 65)
    transfer_weights(start, model, verbose=False)
    model.get_layer("darknet").trainable = False
    x = _images()
    raws_before = _numpy(model(x))[:-1]
    trunk_before = [w.numpy().copy() for w in model.get_layer("seg_trunk").weights]
    compile_segmentation(model, keras.optimizers.Adam(1e-2), ignore_index=11)
    y = np.random.default_rng(1).integers(0, 12, (2, *SIZE)).astype("int32")
    model.fit(x, y, epochs=1, batch_size=2, verbose=0)
    for a, b in zip(raws_before, _numpy(model(x))[:-1], strict=True):
        np.testing.assert_array_equal(a, b)
    trunk_after = [w.numpy() for w in model.get_layer("seg_trunk").weights]
    assert any(not np.array_equal(a, b) for a, b in zip(trunk_before, trunk_after, strict=True))


def test_own_weights_survive_save_and_transfer(cfg_text, pair, tmp_path):
    _, start = pair
    model = _model(cfg_text, 65)
    transfer_weights(start, model, verbose=False)
    layer = model.get_layer("seg_trunk").get_layer("seg_conv_66")
    layer.set_weights([w * 0.5 for w in layer.get_weights()])  # now differs from darknet's
    model.save(tmp_path / "own.keras")
    again = zoo.load(tmp_path / "own.keras")
    assert again.seg_trunk == 65
    copy = _model(cfg_text, 65)
    transfer_weights(again, copy, verbose=False)
    expected = _numpy(model(_images()))
    for other in (again, copy):
        for a, b in zip(expected, _numpy(other(_images())), strict=True):
            np.testing.assert_array_equal(a, b)


def test_folded_copy_agrees(pair):
    _, own = pair
    x = _images()
    a = own.predict(x, verbose=0)
    b = own.for_inference().predict(x, verbose=0)
    assert (a["mask"] == b["mask"]).mean() > 0.99


@pytest.mark.parametrize(
    ("layer", "problem"), [(108, "need others too"), (128, "no tap past that layer")]
)
def test_bad_split_layers_are_named(cfg_text, layer, problem):
    with pytest.raises(zoo.errors.ZooError, match=f"seg_trunk {layer}: .*{problem}"):
        _model(cfg_text, layer)


@pytest.mark.parametrize("source_trunk", [0, 65])
def test_recipe_init_keeps_trained_own_layers(cfg_text, pair, tmp_path, source_trunk):
    """``[model] init``: from a stage-1 model the own layers start as the shared network's;
    from a model that has them, they keep its trained values."""
    from zoo.segmentation.train import init_seg_trunk, initialise_from

    shared, own = pair
    source = _model(cfg_text, source_trunk)
    transfer_weights(own if source_trunk else shared, source, verbose=False)
    if source_trunk:
        layer = source.get_layer("seg_trunk").get_layer("seg_conv_66")
        layer.set_weights([w * 0.5 for w in layer.get_weights()])
    source.save(tmp_path / "init.keras")
    model = _model(cfg_text, 65)
    init_seg_trunk(model, loaded=initialise_from(model, str(tmp_path / "init.keras")))
    for a, b in zip(_numpy(source(_images())), _numpy(model(_images())), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
