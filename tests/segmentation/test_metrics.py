"""ConfusionMatrix and segmentation_scores against an independent per-class computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zoo.segmentation.metrics import ConfusionMatrix, segmentation_scores

K, VOID = 6, 255


def reference_scores(truth: np.ndarray, pred: np.ndarray, k: int, void: int) -> dict:
    """The FCN measures from pixel sets, one class at a time, no confusion matrix."""
    keep = truth != void
    truth, pred = truth[keep], pred[keep]
    ious, accs, fw, correct = {}, [], 0.0, 0
    for c in range(k):
        is_true, is_pred = truth == c, pred == c
        inter = int(np.sum(is_true & is_pred))
        union = int(np.sum(is_true | is_pred))
        correct += inter
        ious[c] = inter / union if union else None
        if is_true.any():
            accs.append(inter / int(is_true.sum()))
            fw += int(is_true.sum()) * ious[c]
    present = [v for v in ious.values() if v is not None]
    return {
        "miou": sum(present) / len(present),
        "pixel_acc": correct / truth.size,
        "mean_acc": sum(accs) / len(accs),
        "fw_iou": fw / truth.size,
        "per_class_iou": ious,
    }


def random_batch(rng: np.random.Generator, shape=(3, 17, 23)):
    truth = rng.choice([0, 1, 2, 4, VOID], size=shape)  # class 3 only predicted, 5 nowhere
    pred = np.where(rng.random(shape) < 0.6, np.where(truth == VOID, 0, truth), 0)
    pred = np.where(rng.random(shape) < 0.1, rng.choice([1, 3], size=shape), pred)
    return truth, pred


def test_scores_match_independent_computation():
    rng = np.random.default_rng(0)
    conf = ConfusionMatrix(K, ignore_index=VOID)
    truths, preds = [], []
    for _ in range(4):
        truth, pred = random_batch(rng)
        conf.update(truth, pred)
        truths.append(truth)
        preds.append(pred)
    names = [f"c{i}" for i in range(K)]
    got = segmentation_scores(conf, names)
    want = reference_scores(np.concatenate(truths), np.concatenate(preds), K, VOID)
    for key in ("miou", "pixel_acc", "mean_acc", "fw_iou"):
        assert got[key] == pytest.approx(want[key], abs=1e-12), key
    assert got["per_class_iou"]["c5"] is None  # absent from truth and prediction
    assert got["per_class_iou"]["c3"] == 0.0  # predicted only: counts as 0 in the mean
    for c in range(K):
        ref = want["per_class_iou"][c]
        assert got["per_class_iou"][f"c{c}"] == (pytest.approx(ref) if ref is not None else None)
    assert conf.matrix.sum() == sum(int((t != VOID).sum()) for t in truths)


def test_one_matrix_over_the_split_not_a_mean_of_images():
    conf = ConfusionMatrix(2)
    conf.update(np.array([0, 0, 0, 1]), np.array([0, 0, 0, 0]))
    conf.update(np.array([1]), np.array([1]))
    s = conf.scores(["a", "b"])
    assert s["per_class_iou"] == {"a": 0.75, "b": 0.5}
    assert s["pixel_acc"] == pytest.approx(0.8)
    assert s["mean_acc"] == pytest.approx((1.0 + 0.5) / 2)
    assert s["fw_iou"] == pytest.approx((3 * 0.75 + 2 * 0.5) / 5)


def test_void_and_out_of_range_truth_are_ignored():
    conf = ConfusionMatrix(3, ignore_index=11)
    conf.update(np.array([11, 11, 0, 7]), np.array([2, 1, 0, 1]))
    assert conf.matrix.sum() == 1 and conf.matrix[0, 0] == 1


def test_bad_predictions_and_shapes_raise():
    conf = ConfusionMatrix(3, ignore_index=255)
    with pytest.raises(ValueError, match=r"0\.\.2"):
        conf.update(np.array([0, 1]), np.array([0, 3]))
    conf.update(np.array([255]), np.array([9]))  # a void pixel's prediction does not matter
    with pytest.raises(ValueError, match="pixels"):
        conf.update(np.zeros((2, 2)), np.zeros(3))


def test_merge_reset_and_empty():
    a, b = ConfusionMatrix(2), ConfusionMatrix(2)
    a.update(np.array([0]), np.array([0]))
    b.update(np.array([1]), np.array([0]))
    assert a.merge(b).matrix.tolist() == [[1, 0], [1, 0]]
    a.reset()
    s = a.scores()
    assert math.isnan(s["miou"]) and math.isnan(s["pixel_acc"])
    assert s["per_class_iou"] == {"0": None, "1": None}
    with pytest.raises(ValueError):
        segmentation_scores(np.zeros((2, 2)), ["only one"])
