"""YOLODetector: shapes, config and .keras round trips, a fit step, gradients, detect()."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.detection.targets import batch_targets
from zoo.detection.yolo import YOLODetector

pytestmark = pytest.mark.model

# Small but safe widths: TF's oneDNN crashes in conv2d_backprop_filter with litenet widths
# (8, 16, 24, 32, 48) on this machine; multiples of 16 are fine.
# One XLA program per step is quicker to build under JAX than op-by-op; TF keeps its graphs.
JIT = keras.backend.backend() == "jax"
TINY = {
    "input_size": (64, 64),
    "strides": (16, 32),
    "backbone_config": {"widths": [16, 16, 32, 32, 64], "depths": [1, 1, 1, 1, 1]},
    "neck_channels": [16, 32, 32],
}


def tiny_model(**overrides) -> YOLODetector:
    return YOLODetector(num_classes=2, class_names=["raccoon", "kangaroo"], **{**TINY, **overrides})


def batch(model, n=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 255, (n, *model.input_size, 3)).astype("float32")
    items = [(np.array([[4, 6, 40, 50], [30, 30, 60, 62]]), np.array([1, 0]))] * n
    y = batch_targets(items, model.input_size, model.strides, model.anchors, model.num_classes)
    return x, y


def outputs(model, x):
    return [keras.ops.convert_to_numpy(o) for o in model(x, training=False)]


def test_output_shapes_and_metadata():
    small = {"backbone_config": TINY["backbone_config"], "neck_channels": [16, 32, 32]}
    model = YOLODetector(num_classes=3, input_size=(96, 128), **small)
    assert [tuple(o.shape) for o in model.outputs] == [
        (None, 12, 16, 24),
        (None, 6, 8, 24),
        (None, 3, 4, 24),
    ]
    assert model.task == "detection" and model.architecture_name() == "yolov3-lite"
    assert model.class_names == ["0", "1", "2"] and len(model.anchors) == 3
    with pytest.raises(ValueError):
        YOLODetector(num_classes=2, input_size=(100, 100))


def test_config_and_keras_round_trip(tmp_path):
    model = tiny_model(postprocess={"conf": 0.3})
    x, _ = batch(model)
    ref = outputs(model, x)
    clone = YOLODetector.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    for a, b in zip(ref, outputs(clone, x), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is YOLODetector and loaded.get_config() == model.get_config()
    for a, b in zip(ref, outputs(loaded, x), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_fit_steps_update_every_weight_and_lower_the_loss():
    """One SGD step moves every trainable weight (each gets a non-zero gradient); a few more
    lower the loss."""
    model = tiny_model()
    x, y = batch(model, n=4)
    before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), jit_compile=JIT)
    losses = [float(model.train_on_batch(x, y))]
    after = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    pairs = zip(model.trainable_weights, before, after, strict=True)
    frozen = [w.path for w, a, b in pairs if (a == b).all()]
    assert not frozen, f"weights without gradient: {frozen}"
    losses += [float(model.train_on_batch(x, y)) for _ in range(4)]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_detect_returns_boxes_in_original_pixels():
    model = tiny_model()
    images = [np.zeros((100, 180, 3), np.uint8), np.full((50, 40, 3), 200, np.uint8)]
    dets = model.detect(images, conf=0.0, max_det=7)
    assert len(dets) == 2
    for det, img in zip(dets, images, strict=True):
        assert det["boxes"].shape == (7, 4) and det["scores"].shape == (7,)
        assert (det["boxes"][:, [0, 2]] <= img.shape[1]).all()
        assert (det["boxes"][:, [1, 3]] <= img.shape[0]).all()
        assert (det["boxes"] >= 0).all() and set(det["labels"]) <= {0, 1}
        assert (np.diff(det["scores"]) <= 0).all()
    # model.predict on a plain batch: the model's own settings, padded arrays, input pixels
    out = model.predict(np.zeros((3, 64, 64, 3), "float32"), verbose=0)
    assert out["boxes"].shape == (3, 100, 4) and out["num_detections"].shape == (3,)
    assert (out["boxes"] <= 64).all()
    assert model.detect(images[:1], conf=0.0, max_det=3)[0]["boxes"].shape == (3, 4)


def test_create_model_by_registry_name():
    from zoo.api import create_model

    model = create_model("yolov3-lite", num_classes=1, **TINY)
    assert isinstance(model, YOLODetector) and model.num_classes == 1


def test_for_inference_folds_batch_norm_and_gives_the_same_detections():
    model = tiny_model()
    rng = np.random.default_rng(3)
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            c = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.2, c).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, c).astype("float32"))
    fast = model.for_inference()
    assert not [
        layer
        for layer in fast._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    images = [rng.integers(0, 255, (90, 120, 3), dtype=np.uint8) for _ in range(3)]
    slow_dets = model.detect(images, conf=0.01)
    fast_dets = fast.detect(images, conf=0.01)
    assert fast.class_names == model.class_names and fast.for_inference() is fast
    for a, b in zip(slow_dets, fast_dets, strict=True):
        assert len(a["boxes"]) == len(b["boxes"]) > 0
        np.testing.assert_allclose(a["boxes"], b["boxes"], atol=0.05)
        np.testing.assert_allclose(a["scores"], b["scores"], atol=1e-4)
