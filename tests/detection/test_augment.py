"""Augmentations keep boxes on the pixels: filled rectangles are found where the boxes say."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.detection.augment import (
    filter_boxes,
    hflip,
    hsv_jitter,
    letterbox,
    mosaic,
    random_affine,
    random_hflip,
    resize,
)

COLORS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]


def _image(w, h, boxes, colors=COLORS):
    img = np.zeros((h, w, 3), np.uint8)
    for (x1, y1, x2, y2), c in zip(np.asarray(boxes, int), colors, strict=False):
        img[y1:y2, x1:x2] = c
    return img


def _extent(img, color):
    """Continuous-coordinate box of the pixels close to ``color`` (None when absent)."""
    close = (np.abs(img.astype(int) - color) < 60).all(axis=2)
    ys, xs = np.nonzero(close)
    if xs.size == 0:
        return None
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)


def test_hflip_exact():
    boxes = np.array([[3, 4, 20, 15]], np.float32)
    img, out = hflip(_image(40, 30, boxes), boxes)
    assert out.tolist() == [[20, 4, 37, 15]]
    np.testing.assert_array_equal(_extent(img, COLORS[0]), out[0])
    _, out2, lab = random_hflip(
        _image(40, 30, boxes), boxes, np.array([7]), np.random.default_rng(0), p=1.0
    )
    assert out2.tolist() == out.tolist() and lab.tolist() == [7]


@pytest.mark.parametrize("seed", range(8))
def test_random_affine_keeps_boxes_on_the_rectangle(seed):
    boxes = np.array([[30, 20, 90, 70], [5, 60, 20, 78]], np.float32)
    img = _image(120, 80, boxes)
    rng = np.random.default_rng(seed)
    out, out_boxes, labels = random_affine(img, boxes, np.array([0, 1]), rng, translate=0.2)
    assert out.shape == img.shape and out.dtype == np.uint8
    for b, lab in zip(out_boxes, labels, strict=True):
        ext = _extent(out, COLORS[lab])
        assert ext is not None
        np.testing.assert_allclose(b, ext, atol=1.0)
    for lab in set(range(2)) - set(labels.tolist()):  # dropped: (almost) nothing visible
        ext = _extent(out, COLORS[lab])
        if ext is not None:
            w, h = ext[2:] - ext[:2]
            assert min(w, h) <= 3 or w * h < 0.25 * (boxes[lab, 2:] - boxes[lab, :2]).prod()


def test_random_affine_drops_boxes_pushed_out():
    boxes = np.array([[0, 0, 6, 6]], np.float32)
    rng = np.random.default_rng(0)
    dropped = 0
    for _ in range(20):
        _, b, lab = random_affine(
            _image(100, 100, boxes), boxes, np.array([0]), rng, scale=(1.4, 1.5), translate=0.0
        )
        dropped += len(b) == 0 and len(lab) == 0
    assert dropped == 20  # zoomed about the centre, the corner box leaves the image


@pytest.mark.parametrize(
    ("size", "src"), [((64, 64), (120, 80)), ((96, 48), (50, 70)), ((416, 416), (333, 500))]
)
def test_letterbox_and_resize_map_boxes_and_back(size, src):
    w, h = src
    boxes = np.array([[w * 0.2, h * 0.3, w * 0.7, h * 0.9]], np.float32).round()
    img = _image(w, h, boxes)
    for fn in (letterbox, resize):
        out, t = fn(img, size)
        assert out.shape[:2] == size
        mapped = t.apply(boxes)
        np.testing.assert_allclose(mapped[0], _extent(out, COLORS[0]), atol=1.0)
        np.testing.assert_allclose(t.invert(mapped), boxes, atol=1e-3)
    out, t = letterbox(img, size)
    assert t.scale_x == pytest.approx(t.scale_y, rel=0.05)
    assert (t.invert(np.array([[-50, -50, 1e4, 1e4]])) == [[0, 0, w, h]]).all()


@pytest.mark.parametrize("seed", range(5))
def test_mosaic_keeps_each_box_on_its_rectangle(seed):
    rng = np.random.default_rng(seed)
    items = []
    for i, (w, h) in enumerate([(120, 90), (80, 100), (100, 100), (150, 60)]):
        b = np.array([[w * 0.25, h * 0.25, w * 0.75, h * 0.75]], np.float32).round()
        items.append((_image(w, h, b, [COLORS[i]]), b, np.array([i])))
    img, boxes, labels = mosaic(items, (128, 128), rng, scale=(0.8, 1.0))
    assert img.shape == (128, 128, 3) and len(boxes) == len(labels) >= 1
    for b, lab in zip(boxes, labels, strict=True):
        np.testing.assert_allclose(b, _extent(img, COLORS[lab]), atol=1.0)
        assert (b[:2] >= 0).all() and b[2] <= 128 and b[3] <= 128


def test_hsv_jitter_is_deterministic_and_keeps_grey():
    img = _image(32, 32, [[4, 4, 20, 20]])
    img[24:, 24:] = 128
    a = hsv_jitter(img, np.random.default_rng(3))
    b = hsv_jitter(img, np.random.default_rng(3))
    assert a.shape == img.shape and a.dtype == np.uint8 and np.array_equal(a, b)
    grey = a[28, 28].astype(int)
    assert grey.max() - grey.min() <= 1  # no saturation to change
    assert not np.array_equal(a, img)


def test_filter_boxes_drops_tiny_and_cut_off():
    boxes = np.array([[0, 0, 1.5, 30], [-90, 0, 10, 10], [5, 5, 25, 25]], np.float32)
    kept, lab = filter_boxes(boxes, np.array([0, 1, 2]), 50, 50)
    assert kept.tolist() == [[5, 5, 25, 25]] and lab.tolist() == [2]
