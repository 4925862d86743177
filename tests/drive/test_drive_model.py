"""The driving model: one network, detection exactly the converted detector's, segmentation
from the same pass; save/reload; only the segmentation head trains. Small inputs, the real
yolo-fastest-1.1-xl cfg (from the manifest), random values unless a test loads weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import zoo
from zoo.detection.darknet_detector import DarknetDetector
from zoo.weights import manifest

pytestmark = pytest.mark.model
SIZE = (64, 96)
CLASSES = ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "Sign", "Fence", "Car",
           "Pedestrian", "Bicyclist"]  # fmt: skip


@pytest.fixture(scope="module")
def cfg_text():
    return manifest()["yolo-fastest-xl-coco"]["config"]["cfg_text"]


@pytest.fixture(scope="module")
def model(cfg_text):
    keras.utils.set_random_seed(0)
    return zoo.create_model(
        "drive",
        num_classes=11,
        class_names=CLASSES,
        ignore_index=11,
        backbone_config={"cfg": cfg_text},
        input_size=SIZE,
    )


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (6, 9, 3), dtype=np.uint8)  # smooth images: real-ish boxes
    return [
        np.ascontiguousarray(np.kron(base, np.ones((s, s, 1), np.uint8))[: 6 * s - 2])
        for s in (8, 11)
    ]


def test_outputs_heads_then_logits(model):
    x = np.zeros((1, *SIZE, 3), np.float32)
    raws = model(x)
    assert len(raws) == 3
    assert tuple(raws[0].shape) == (1, 2, 3, 255) and tuple(raws[1].shape) == (1, 4, 6, 255)
    assert tuple(raws[2].shape) == (1, *SIZE, 11)
    assert model.task == "drive" and len(model.detection_classes) == 80


def test_detection_is_exactly_the_detectors(model, cfg_text, images):
    detector = DarknetDetector(cfg_text, input_size=SIZE)
    values = {v.path: v.numpy() for v in model.weights}  # copies: JAX may donate buffers
    for variable in detector.weights:  # the same darknet layers, same names
        variable.assign(values[variable.path])
    theirs = detector.detect(images, conf=0.01)
    ours = model.detect(images, conf=0.01)
    for a, b in zip(theirs, ours, strict=True):
        assert len(a["boxes"]) > 0
        np.testing.assert_array_equal(a["boxes"], b["boxes"])
        np.testing.assert_array_equal(a["scores"], b["scores"])
        np.testing.assert_array_equal(a["labels"], b["labels"])


def test_perceive_gives_both_from_one_pass(model, images):
    both = model.perceive(images, conf=0.01)
    masks = model.segment(images)
    dets = model.detect(images, conf=0.01)
    for image, result, mask, det in zip(images, both, masks, dets, strict=True):
        assert result["mask"].shape == image.shape[:2] and result["mask"].dtype == np.uint8
        assert result["mask"].max() < 11
        np.testing.assert_array_equal(result["mask"], mask)
        np.testing.assert_array_equal(result["boxes"], det["boxes"])


def test_folded_copy_agrees(model, images):
    fast = model.for_inference()
    a, b = model.perceive(images, conf=0.01), fast.perceive(images, conf=0.01)
    for x, y in zip(a, b, strict=True):
        assert (x["mask"] == y["mask"]).mean() > 0.99
        np.testing.assert_allclose(x["scores"][:3], y["scores"][:3], atol=1e-3)


def test_saves_and_reloads(model, images, tmp_path):
    path = tmp_path / "drive.keras"
    model.save(path)
    again = zoo.load(path)
    assert again.input_size == SIZE and again.class_names == CLASSES
    for x, y in zip(model.perceive(images), again.perceive(images), strict=True):
        np.testing.assert_array_equal(x["mask"], y["mask"])
        np.testing.assert_array_equal(x["boxes"], y["boxes"])


def test_only_the_segmentation_head_trains(cfg_text, images):
    from zoo.segmentation.train import compile_segmentation

    keras.utils.set_random_seed(1)
    model = zoo.create_model("drive", num_classes=11, backbone_config={"cfg": cfg_text})
    model.get_layer("darknet").trainable = False
    before = [w.numpy().copy() for w in model.get_layer("darknet").weights]
    head = model.get_layer("score_fr").kernel.numpy().copy()
    compile_segmentation(model, keras.optimizers.Adam(1e-2), ignore_index=11)
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    y = np.random.default_rng(1).integers(0, 12, (2, 64, 64)).astype("int32")
    model.fit(x, y, epochs=1, batch_size=2, verbose=0)
    after = [w.numpy() for w in model.get_layer("darknet").weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert not np.array_equal(head, model.get_layer("score_fr").kernel.numpy())


def test_input_size_must_be_multiple_of_32(cfg_text):
    with pytest.raises(zoo.errors.ZooError, match="multiples of 32"):
        zoo.create_model("drive", backbone_config={"cfg": cfg_text}, input_size=(100, 96))
