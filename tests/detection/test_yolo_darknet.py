"""Converted Darknet detectors: cfg retargeting, round trip, parity with OpenCV DNN, coco128 AP."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pytest

from zoo.darknet import ConvWeights, parse_cfg, plan_layers, write_weights
from zoo.detection.convert import convert_darknet, darknet_detector, read_names
from zoo.detection.darknet_detector import DarknetDetector, retarget_cfg_text
from zoo.errors import DataError, ZooError

pytestmark = pytest.mark.model


@pytest.fixture
def darknet_dir(zoo_data):
    folder = zoo_data / "darknet"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    return folder


def random_weights(cfg_path, out_path, seed=0):
    """A weights file of well-scaled random values for every conv of ``cfg_path``."""
    rng = np.random.default_rng(seed)
    convs = []
    for plan in plan_layers(parse_cfg(cfg_path)):
        if plan.kind != "convolutional":
            continue
        p = plan.params
        shape = (p["filters"], p["in_channels"] // p["groups"], p["size"], p["size"])
        kernel = rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))
        bias = rng.standard_normal(p["filters"]) * 0.1
        if p["batch_normalize"]:
            n = p["filters"]
            convs.append(
                ConvWeights(
                    bias,
                    kernel,
                    rng.uniform(0.5, 1.5, n),
                    rng.normal(0, 0.1, n),
                    rng.uniform(0.5, 1.5, n),
                )
            )
        else:
            convs.append(ConvWeights(bias, kernel))
    write_weights(out_path, convs)
    return out_path


def opencv_rows(cfg, weights, image_rgb, size):
    """OpenCV DNN's decoded head rows ``[cx, cy, w, h (0..1), obj, class scores]``."""
    net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    blob = cv2.dnn.blobFromImage(image_rgb, 1 / 255.0, size[::-1], swapRB=False, crop=False)
    net.setInput(blob)
    return [np.asarray(o) for o in net.forward(net.getUnconnectedOutLayersNames())]


def test_retarget_cfg_changes_classes_and_filters(darknet_dir):
    text = (darknet_dir / "yolov3-tiny.cfg").read_text()
    new = retarget_cfg_text(text, 2)
    model = DarknetDetector(new, input_size=(64, 64))
    assert [tuple(o.shape) for o in model.outputs] == [(None, 2, 2, 21), (None, 4, 4, 21)]
    assert DarknetDetector(text, num_classes=2, input_size=(64, 64)).num_classes == 2


def test_config_and_keras_round_trip(darknet_dir, tmp_path):
    cfg = darknet_dir / "yolov3-tiny.cfg"
    weights = random_weights(cfg, tmp_path / "t.weights")
    model = darknet_detector(cfg, weights, [f"c{i}" for i in range(80)], input_size=(96, 96))
    assert model.task == "detection" and model.architecture_name() == "darknet-yolo"
    assert model.strides == [32, 16]
    x = np.random.default_rng(0).uniform(0, 255, (1, 96, 96, 3)).astype("float32")
    ref = [keras.ops.convert_to_numpy(o) for o in model(x)]
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is DarknetDetector and loaded.class_names == model.class_names
    for a, b in zip(ref, loaded(x), strict=True):
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), atol=1e-4)


def test_names_file_errors(darknet_dir, tmp_path):
    empty = tmp_path / "empty.names"
    empty.write_text("\n\n")
    with pytest.raises(ZooError, match=r"empty\.names"):
        read_names(empty)
    with pytest.raises(ZooError, match="classes"):
        darknet_detector(darknet_dir / "yolov3-tiny.cfg", None, ["a", "b"])
    with pytest.raises(ZooError, match=r"\.keras"):
        convert_darknet(darknet_dir / "yolov3-tiny.cfg", None, darknet_dir / "coco.names", "x.h5")


def test_region_head_matches_opencv(darknet_dir, tmp_path):
    """YOLOv2 [region] decoding (softmax classes, exp(wh) * grid anchors) against OpenCV DNN."""
    cfg = darknet_dir / "yolov2-tiny-voc.cfg"
    weights = random_weights(cfg, tmp_path / "v2.weights", seed=1)
    size = (160, 160)
    model = darknet_detector(cfg, weights, input_size=size)
    image = np.random.default_rng(2).integers(0, 255, (*size, 3), dtype=np.uint8)
    (ref,) = opencv_rows(cfg, weights, image, size)
    boxes, obj, cls = (keras.ops.convert_to_numpy(t) for t in model.decode(model(image[None])))
    xywh = np.concatenate(
        [(boxes[0, :, :2] + boxes[0, :, 2:]) / 2, boxes[0, :, 2:] - boxes[0, :, :2]], 1
    )
    np.testing.assert_allclose(xywh / 160, ref[:, :4], atol=2e-4, rtol=1e-3)
    np.testing.assert_allclose(obj[0], ref[:, 4], atol=1e-4)
    ours = obj[0, :, None] * cls[0]
    shown = ref[:, 5:] > 0  # OpenCV zeroes scores under its threshold
    np.testing.assert_allclose(ours[shown], ref[:, 5:][shown], atol=1e-4)


@pytest.mark.data
@pytest.mark.slow
def test_yolo_fastest_matches_opencv_detections(darknet_dir, zoo_data, tmp_path):
    """Converted yolo-fastest-1.1: OpenCV DNN's post-processed detections, box for box."""
    from zoo.api import load
    from zoo.detection.data import read_image

    cfg, weights = darknet_dir / "yolo-fastest-1.1.cfg", darknet_dir / "yolo-fastest-1.1.weights"
    path = tmp_path / "yf.keras"
    convert_darknet(cfg, weights, darknet_dir / "coco.names", path)
    model = load(path)
    image = read_image(sorted((zoo_data / "coco128" / "images").glob("*.jpg"))[0])
    h, w = image.shape[:2]
    rows = np.concatenate(opencv_rows(cfg, weights, image, (320, 320)))
    # OpenCV's sample post-processing: best class, score > 0.25, NMS 0.45 per class.
    ref = []
    for cls in range(80):
        pick = (rows[:, 5:].argmax(1) == cls) & (rows[:, 5 + cls] > 0.25)
        if not pick.any():
            continue
        r = rows[pick]
        rects = [
            [(cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h] for cx, cy, bw, bh in r[:, :4]
        ]
        for k in np.asarray(cv2.dnn.NMSBoxes(rects, r[:, 5 + cls].tolist(), 0.25, 0.45)).reshape(
            -1
        ):
            x, y, bw, bh = rects[k]
            ref.append((cls, r[k, 5 + cls], [x, y, x + bw, y + bh]))
    ref.sort(key=lambda d: -d[1])
    (det,) = model.detect(image, conf=0.25, iou=0.45)
    assert len(ref) >= 1 and len(det["scores"]) == len(ref)
    for (cls, score, box), b, s, lab in zip(
        ref, det["boxes"], det["scores"], det["labels"], strict=True
    ):
        assert lab == cls and s == pytest.approx(score, abs=2e-3)
        clipped = np.clip(box, 0, [w, h, w, h])
        np.testing.assert_allclose(b, clipped, atol=1.5)


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.parametrize(
    "name, opencv_ap50", [("yolo-fastest-1.1", 0.275), ("yolo-fastest-1.1-xl", 0.383)]
)
def test_converted_ap_on_coco128_reaches_opencv(darknet_dir, zoo_data, tmp_path, name, opencv_ap50):
    from zoo.detection.evaluate import evaluate_detection

    model = convert_darknet(
        darknet_dir / f"{name}.cfg",
        darknet_dir / f"{name}.weights",
        darknet_dir / "coco.names",
        tmp_path / f"{name}.keras",
    )
    scores = evaluate_detection(model, zoo_data / "coco128", "val", batch_size=16)
    assert scores["n_images"] == 128
    assert scores["coco_ap50"] >= opencv_ap50


def test_new_head_and_a_fine_tuning_step(darknet_dir, tmp_path):
    """A converted model gets a 2-class head (other weights kept) and trains with model.fit."""
    from zoo.api import with_new_head
    from zoo.detection.targets import batch_targets

    cfg = darknet_dir / "yolov3-tiny.cfg"
    weights = random_weights(cfg, tmp_path / "t.weights")
    model = darknet_detector(cfg, weights, [f"c{i}" for i in range(80)], input_size=(64, 64))
    new = with_new_head(model, ["raccoon", "kangaroo"])
    assert new.num_classes == 2 and new.class_names == ["raccoon", "kangaroo"]
    assert [tuple(o.shape) for o in new.outputs] == [(None, 2, 2, 21), (None, 4, 4, 21)]
    first = new.get_layer("darknet").get_layer("conv_0").kernel
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(first),
        keras.ops.convert_to_numpy(model.get_layer("darknet").get_layer("conv_0").kernel),
    )
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    items = [(np.array([[4, 6, 40, 50]]), np.array([1]))] * 2
    y = batch_targets(items, new.input_size, new.strides, new.anchors, new.num_classes)
    new.compile(optimizer=keras.optimizers.SGD(1e-3), jit_compile=keras.backend.backend() == "jax")
    assert np.isfinite(float(new.train_on_batch(x, y)))


def test_recipe_init_from_darknet_files_gets_a_new_head_with_priors(darknet_dir, tmp_path):
    """``[model] init = {darknet_cfg, darknet_weights}``: COCO weights kept, new head at a low
    objectness prior (not 0.5 on every anchor)."""
    from zoo.detection.heads import head_bias
    from zoo.detection.train import initial_model

    cfg = darknet_dir / "yolov3-tiny.cfg"
    weights = random_weights(cfg, tmp_path / "t.weights")
    init = {"darknet_cfg": str(cfg.resolve()), "darknet_weights": str(weights.resolve())}
    model = initial_model(init, ["raccoon", "kangaroo"])
    assert model.class_names == ["raccoon", "kangaroo"]
    source = darknet_detector(cfg, weights)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model.get_layer("darknet").get_layer("conv_0").kernel),
        keras.ops.convert_to_numpy(source.get_layer("darknet").get_layer("conv_0").kernel),
    )
    for meta in model.heads_meta:
        conv = model.get_layer("darknet").get_layer(f"conv_{meta['index'] - 1}")
        cells = meta["grid"][0] * meta["grid"][1]
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(conv.bias), head_bias(3, 2, cells), rtol=1e-6
        )
    with pytest.raises(DataError, match="no such file"):
        initial_model({**init, "darknet_weights": str(tmp_path / "missing.weights")}, ["a"])
    with pytest.raises(ZooError, match="darknet_cfg and darknet_weights"):
        initial_model({"darknet_cfg": str(cfg.resolve())}, ["a"])
