"""The segmentation loss: cross-entropy as Keras computes it, plus a soft Jaccard term that
equals 1 - mean IoU of the classes present, computed here independently in numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.segmentation.losses import SegmentationLoss

pytestmark = pytest.mark.model


def _batch(seed=0, void=9):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, (2, 6, 7))  # class 3 of 4 absent
    labels[0, :2, :3] = void
    logits = rng.normal(0, 2, (2, 6, 7, 4)).astype("float32")
    return labels, logits


def _numpy_soft_jaccard(labels, logits, valid):
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    ious = []
    for c in range(logits.shape[-1]):
        t = (labels == c) & valid
        if not t.any():
            continue
        p = probs[..., c] * valid
        inter = (p * t).sum()
        ious.append((inter + 1) / (p.sum() + t.sum() - inter + 1))
    return 1 - np.mean(ious)


def test_without_jaccard_it_is_keras_cross_entropy():
    labels, logits = _batch()
    ours = SegmentationLoss(ignore_class=9)(labels, logits)
    keras_ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=9)
    np.testing.assert_allclose(float(ours), float(keras_ce(labels, logits)), rtol=1e-6)


def test_jaccard_term_matches_numpy_and_skips_void():
    labels, logits = _batch()
    ce = float(SegmentationLoss(ignore_class=9)(labels, logits))
    total = float(SegmentationLoss(ignore_class=9, jaccard_weight=0.5)(labels, logits))
    expected = _numpy_soft_jaccard(labels, logits, labels != 9)
    np.testing.assert_allclose(total - ce, 0.5 * expected, rtol=1e-5)


def test_zero_sample_weight_is_void_too():
    labels, logits = _batch()
    weights = (labels != 9).astype("float32") * 2.0
    cleaned = np.where(labels == 9, 0, labels)
    loss = SegmentationLoss(jaccard_weight=1.0)
    ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    jaccard = float(loss(cleaned, logits, sample_weight=weights)) - float(
        ce(cleaned, logits, sample_weight=weights)
    )
    np.testing.assert_allclose(
        jaccard, _numpy_soft_jaccard(cleaned, logits, labels != 9), rtol=1e-5
    )


def test_perfect_prediction_has_no_jaccard_loss_and_config_roundtrips():
    labels, _ = _batch(void=0)
    logits = (np.eye(4)[labels] * 40).astype("float32")
    loss = SegmentationLoss(jaccard_weight=1.0)
    assert float(loss(labels, logits)) < 1e-6
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(again, SegmentationLoss) and again.jaccard_weight == 1.0
