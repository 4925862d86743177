"""YOLOv3 target assignment (numpy) and loss sanity (keras.ops)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.detection.decode import decode_heads
from zoo.detection.heads import head_bias, split_anchors
from zoo.detection.loss import scale_loss, yolo_loss
from zoo.detection.targets import batch_targets, build_targets

STRIDES = (16, 32)
ANCHORS = [[[8.0, 8.0], [20.0, 12.0]], [[30.0, 30.0], [60.0, 50.0]]]
SIZE = (64, 96)


def test_best_anchor_over_all_scales_and_cell():
    boxes = np.array([[2, 2, 10, 10], [40, 10, 60, 22], [0, 0, 60, 50], [70, 30, 98, 62]])
    t = build_targets(boxes, np.array([0, 1, 2, 1]), SIZE, STRIDES, ANCHORS, num_classes=3)
    assert t["s16"].shape == (4, 6, 2, 8) and t["s32"].shape == (2, 3, 2, 8)
    # box 0 (8x8): anchor 0 of stride 16, cell of its centre (6, 6) -> (0, 0)
    np.testing.assert_allclose(t["s16"][0, 0, 0], [6, 6, 8, 8, 1, 1, 0, 0])
    # box 1 (20x12): anchor 1 of stride 16, centre (50, 16) -> cell (row 1, column 3)
    np.testing.assert_allclose(t["s16"][1, 3, 1, :6], [50, 16, 20, 12, 1, 0])
    # box 2 (60x50): anchor 1 of stride 32, centre (30, 25) -> cell (0, 0)
    assert t["s32"][0, 0, 1, 4] == 1 and t["s32"][0, 0, 1, 7] == 1
    # box 3 sticks out of the image: its centre's cell is clipped into the grid
    assert t["s32"][1, 2, 0, 4] == 1 and t["s32"][1, 2, 0, 6] == 1
    assert t["s16"][..., 4].sum() + t["s32"][..., 4].sum() == 4


def test_ignored_labels_and_empty_images():
    t = build_targets(np.array([[2, 2, 10, 10]]), np.array([-1]), SIZE, STRIDES, ANCHORS, 3)
    assert t["s16"].sum() == 0 and t["s32"].sum() == 0
    y = batch_targets(
        [(np.zeros((0, 4)), np.zeros(0)), (np.ones((3, 4)), np.zeros(3))],
        SIZE,
        STRIDES,
        ANCHORS,
        3,
        max_boxes=2,
    )
    assert y["s16"].shape == (2, 4, 6, 2, 8) and y["boxes"].shape == (2, 2, 4)


def test_split_anchors_and_head_bias():
    assert split_anchors(np.array([[9, 9], [1, 1], [4, 4], [16, 16]]), 2) == [
        [[1.0, 1.0], [4.0, 4.0]],
        [[9.0, 9.0], [16.0, 16.0]],
    ]
    bias = head_bias(3, 80, 100).reshape(3, 85)
    assert (bias[:, :4] == 0).all() and (bias[:, 4] < -2).all()


def perfect_raw(target, anchors, stride):
    """Raw logits that decode exactly to the targets, very confident."""
    t = target.copy()
    gh, gw = t.shape[1:3]
    cy, cx = np.meshgrid(np.arange(gh), np.arange(gw), indexing="ij")
    grid = np.stack([cx, cy], -1)[:, :, None]
    obj = t[..., 4:5]
    off = np.clip(t[..., :2] / stride - grid, 1e-4, 1 - 1e-4)
    wh = np.where(obj > 0, t[..., 2:4], np.asarray(anchors))
    raw = np.concatenate(
        [
            np.log(off / (1 - off)),
            np.log(wh / np.asarray(anchors)),
            np.where(obj > 0, 12.0, -12.0),
            np.where(t[..., 5:] > 0, 12.0, -12.0),
        ],
        axis=-1,
    )
    return raw.reshape(*raw.shape[:3], -1).astype(np.float32)


@pytest.mark.model
def test_perfect_prediction_has_lower_loss_than_random():
    rng = np.random.default_rng(0)
    boxes = [np.array([[2, 2, 10, 10], [40, 10, 60, 22]]), np.array([[0, 0, 60, 50]])]
    labels = [np.array([0, 1]), np.array([2])]
    y = batch_targets(list(zip(boxes, labels, strict=True)), SIZE, STRIDES, ANCHORS, 3)
    specs = [{"type": "yolo", "anchors": a} for a in ANCHORS]
    perfect = [perfect_raw(y[f"s{s}"], a, s) for s, a in zip(STRIDES, ANCHORS, strict=True)]
    noisy = [rng.normal(0, 2, p.shape).astype(np.float32) for p in perfect]
    good, parts = yolo_loss(perfect, y, specs, STRIDES, SIZE, 3)
    bad, _ = yolo_loss(noisy, y, specs, STRIDES, SIZE, 3)
    good, bad = float(keras.ops.convert_to_numpy(good)), float(keras.ops.convert_to_numpy(bad))
    assert np.isfinite(good) and good < 0.2 * bad
    # what is left of the perfect loss is the centre BCE's entropy: box, not objects/classes
    assert float(parts["object"]) < 1e-3 and float(parts["class"]) < 1e-3
    # and the decoder reads exactly the ground truth back from what the loss calls perfect
    dec, obj, _ = decode_heads(perfect, specs, SIZE, 3)
    dec, obj = keras.ops.convert_to_numpy(dec), keras.ops.convert_to_numpy(obj)
    for n in range(2):
        found = dec[n][obj[n] > 0.5]
        order = np.lexsort(found.T[::-1])
        expected = boxes[n][np.lexsort(boxes[n].T[::-1])]
        np.testing.assert_allclose(found[order], expected, atol=1e-2)


@pytest.mark.model
def test_ignore_threshold_spares_overlapping_predictions():
    """A confident prediction overlapping a box at a non-responsible anchor is not a negative."""
    target = build_targets(
        np.array([[16, 16, 48, 48]]),
        np.array([0]),
        (64, 64),
        (32,),
        [[[32.0, 32.0], [30.0, 30.0]]],
        1,
    )["s32"][None]
    gt = np.array([[[16, 16, 48, 48]]], np.float32)
    raw = np.zeros((1, 2, 2, 2, 6), np.float32)
    raw[..., 4] = 5.0  # every prediction says "object"
    # anchor 1 of cell (0, 0) predicts the box almost exactly (centre 32 = (0 + 1) * 32 ...)
    raw[0, 0, 0, 1, :2] = 8.0
    raw[0, 0, 0, 1, 2:4] = np.log(32 / 30)
    raw = raw.reshape(1, 2, 2, 12)
    anchors = [[32.0, 32.0], [30.0, 30.0]]
    _, obj_spared, _ = scale_loss(raw, target, gt, anchors, (64, 64), 1, ignore_thresh=0.5)
    _, obj_all, _ = scale_loss(raw, target, gt, anchors, (64, 64), 1, ignore_thresh=1.01)
    assert (
        float(keras.ops.convert_to_numpy(obj_spared))
        < float(keras.ops.convert_to_numpy(obj_all)) - 4
    )
