"""Head decoding (yolo, scale_x_y, new_coords, region) and mapping back to original pixels."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.detection.augment import letterbox, resize
from zoo.detection.decode import decode_heads
from zoo.detection.predict import boxes_to_original, prepare_image, transform_row

pytestmark = pytest.mark.model


def logit(p):
    return np.log(p / (1 - p))


def np_(x):
    return keras.ops.convert_to_numpy(x)


def one_box_raw(grid=(4, 5), anchors=2, classes=3, cell=(2, 3), a=1, t=(0.3, -0.2, 0.5, -0.1)):
    raw = np.zeros((1, *grid, anchors * (5 + classes)), np.float32)
    p = raw.reshape(1, *grid, anchors, 5 + classes)
    cy, cx = cell
    p[0, cy, cx, a, :4] = t
    p[0, cy, cx, a, 4] = 2.0
    p[0, cy, cx, a, 5:] = [-1.0, 3.0, 0.0]
    return raw


def test_yolo_decoding_matches_darknet_formula():
    raw = one_box_raw()
    anchors = [[10.0, 20.0], [30.0, 40.0]]
    boxes, obj, cls = decode_heads([raw], [{"type": "yolo", "anchors": anchors}], (64, 80), 3)
    boxes, obj, cls = np_(boxes), np_(obj), np_(cls)
    assert boxes.shape == (1, 40, 4) and cls.shape == (1, 40, 3)
    k = (2 * 5 + 3) * 2 + 1  # (row, column, anchor) order, as Darknet/OpenCV
    sig = 1 / (1 + np.exp(-np.array([0.3, -0.2])))
    cx, cy = (3 + sig[0]) * 16, (2 + sig[1]) * 16  # stride 80/5 = 64/4 = 16
    w, h = np.exp(0.5) * 30, np.exp(-0.1) * 40
    np.testing.assert_allclose(boxes[0, k], [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1e-5)
    np.testing.assert_allclose(obj[0, k], 1 / (1 + np.exp(-2.0)), 1e-6)
    np.testing.assert_allclose(cls[0, k], 1 / (1 + np.exp(-np.array([-1.0, 3.0, 0.0]))), 1e-6)


def test_scale_x_y_and_new_coords():
    raw = one_box_raw(t=(0.0, 0.0, 0.5, 0.5))
    spec = {"type": "yolo", "anchors": [[8, 8], [8, 8]], "scale_x_y": 1.2}
    boxes, _, _ = decode_heads([raw], [spec], (64, 80), 3)
    k = (2 * 5 + 3) * 2 + 1
    centre = (np_(boxes)[0, k, :2] + np_(boxes)[0, k, 2:]) / 2
    np.testing.assert_allclose(centre, [(3 + 0.5 * 1.2 - 0.1) * 16, (2 + 0.5 * 1.2 - 0.1) * 16])
    spec = {"type": "yolo", "anchors": [[8, 8], [8, 8]], "new_coords": 1}
    boxes, obj, cls = decode_heads([raw], [spec], (64, 80), 3)
    b = np_(boxes)[0, k]
    np.testing.assert_allclose(b[2] - b[0], 4 * 0.25 * 8, 1e-5)
    assert np_(obj)[0, k] == pytest.approx(2.0) and np_(cls)[0, k, 1] == pytest.approx(3.0)


def test_region_softmax_classes():
    raw = one_box_raw()
    spec = {"type": "region", "anchors": [[16, 16], [32, 32]], "softmax": True}
    _, _, cls = decode_heads([raw], [spec], (64, 80), 3)
    k = (2 * 5 + 3) * 2 + 1
    e = np.exp([-1.0, 3.0, 0.0])
    np.testing.assert_allclose(np_(cls)[0, k], e / e.sum(), 1e-6)
    np.testing.assert_allclose(np_(cls).sum(-1), 1.0, 1e-5)


def test_two_heads_concatenate_in_order():
    raws = [np.zeros((2, 2, 2, 3 * 6), "float32"), np.zeros((2, 4, 4, 3 * 6), "float32")]
    specs = [{"type": "yolo", "anchors": [[20, 20]] * 3}, {"type": "yolo", "anchors": [[5, 5]] * 3}]
    boxes, _, _ = decode_heads(raws, specs, (64, 64), 1)
    assert np_(boxes).shape == (2, 12 + 48, 4)
    widths = np_(boxes)[0, :, 2] - np_(boxes)[0, :, 0]
    np.testing.assert_allclose(widths[:12], 20) and np.testing.assert_allclose(widths[12:], 5)


@pytest.mark.parametrize("mode", ["stretch", "letterbox"])
@pytest.mark.parametrize("interpolation", ["auto", "linear"])
def test_boxes_map_back_to_original_pixels(mode, interpolation):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (123, 271, 3), dtype=np.uint8)
    pre = {"resize": mode, "interpolation": interpolation}
    out, t = prepare_image(image, (96, 128), pre)
    assert out.shape == (96, 128, 3)
    ref = (resize(image, (96, 128)) if mode == "stretch" else letterbox(image, (96, 128)))[1]
    np.testing.assert_allclose(transform_row(t), transform_row(ref))
    original = np.array([[[10, 20, 200, 100], [0, 0, 271, 123]]], np.float32)
    in_model = t.apply(original[0])[None]
    back = np_(boxes_to_original(in_model, transform_row(t)[None]))
    np.testing.assert_allclose(back, original, atol=1e-3)
    # boxes outside the image are clipped to it
    far = np.array([[[-50, -50, 500, 500]]], np.float32)
    np.testing.assert_allclose(
        np_(boxes_to_original(far, transform_row(t)[None])), [[[0, 0, 271, 123]]]
    )
