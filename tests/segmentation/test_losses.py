"""The segmentation loss: cross-entropy as Keras computes it, plus a soft Jaccard term that
equals 1 - mean IoU of the classes present, or the Lovász-softmax, both computed here
independently in numpy (the Lovász one from the paper's algorithm, void pixels dropped)."""

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


def _numpy_lovasz(labels, logits, valid):
    """Berman et al.'s Lovász-softmax over the classes present, void pixels removed first."""
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    labels, probs = labels[valid], probs[valid]
    losses = []
    for c in range(probs.shape[-1]):
        fg = (labels == c).astype(np.float64)
        if not fg.any():
            continue
        errors = np.abs(fg - probs[:, c])
        order = np.argsort(-errors, kind="stable")
        fg_sorted = fg[order]
        jaccard = 1 - (fg.sum() - np.cumsum(fg_sorted)) / (fg.sum() + np.cumsum(1 - fg_sorted))
        jaccard[1:] = jaccard[1:] - jaccard[:-1]
        losses.append(errors[order] @ jaccard)
    return np.mean(losses)


def test_lovasz_term_matches_the_papers_algorithm_and_skips_void():
    labels, logits = _batch(seed=3)
    ce = float(SegmentationLoss(ignore_class=9)(labels, logits))
    total = float(
        SegmentationLoss(ignore_class=9, jaccard_weight=0.5, jaccard="lovasz")(labels, logits)
    )
    np.testing.assert_allclose(
        total - ce, 0.5 * _numpy_lovasz(labels, logits, labels != 9), rtol=1e-5
    )


def test_lovasz_on_hard_predictions_is_one_minus_mean_iou():
    labels, _ = _batch(void=0)
    predicted = np.where(np.arange(labels.size).reshape(labels.shape) % 5 == 0, 1, labels)
    logits = (np.eye(4)[predicted] * 60).astype("float32")  # softmax is 0/1
    ce = float(SegmentationLoss()(labels, logits))
    lovasz = float(SegmentationLoss(jaccard_weight=1.0, jaccard="lovasz")(labels, logits)) - ce
    ious = [
        ((labels == c) & (predicted == c)).sum() / ((labels == c) | (predicted == c)).sum()
        for c in range(4)
        if (labels == c).any()
    ]
    np.testing.assert_allclose(lovasz, 1 - np.mean(ious), atol=1e-5)


def test_lovasz_gives_every_logit_a_finite_gradient_and_roundtrips():
    labels, logits = _batch(seed=5)
    loss = SegmentationLoss(ignore_class=9, jaccard_weight=1.0, jaccard="lovasz")
    variable = keras.Variable(logits)
    if keras.backend.backend() == "jax":
        import jax

        grad = jax.grad(lambda x: loss(labels, x))(logits)
    else:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = loss(labels, variable)
        grad = tape.gradient(value, variable)
    grad = keras.ops.convert_to_numpy(grad)
    assert np.all(np.isfinite(grad)) and np.abs(grad[labels != 9]).sum() > 0
    assert not np.any(grad[labels == 9])  # void pixels neither in the CE nor in the Lovász term
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert again.jaccard == "lovasz"
    with pytest.raises(ValueError, match="jaccard must be one of"):
        SegmentationLoss(jaccard="dice")


def _numpy_ohem(labels, logits, weights, thresh, min_kept, void=9):
    """Online hard example mining as the module's docstring states it, in numpy."""
    log_probs = logits - logits.max(-1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(-1, keepdims=True))
    valid = labels != void
    true = np.take_along_axis(log_probs, np.where(valid, labels, 0)[..., None], -1)[..., 0]
    prob = np.exp(true)
    lowest = np.sort(prob[valid])
    kth = lowest[min(min_kept, lowest.size) - 1]
    kept = valid & ((prob < thresh) | (prob <= kth))
    return (-true * weights * kept).sum() / kept.sum(), int(kept.sum())


@pytest.mark.parametrize(
    ("thresh", "min_kept"),
    [(0.7, 1), (0.7, 30), (0.05, 20), (0.05, 1), (1.0, 1), (0.7, 10_000)],
)
def test_ohem_keeps_the_hard_pixels_as_numpy_does(thresh, min_kept):
    labels, logits = _batch(seed=3)
    weights = np.random.default_rng(1).uniform(0.5, 2.0, labels.shape).astype("float32")
    weights[labels == 9] = 0.0
    loss = SegmentationLoss(ignore_class=9, ohem_thresh=thresh, ohem_min_kept=min_kept)
    expected, kept = _numpy_ohem(labels, logits, weights, thresh, min_kept)
    assert 0 < kept <= (labels != 9).sum()
    np.testing.assert_allclose(
        float(loss(labels, logits, sample_weight=weights)), expected, rtol=1e-5
    )


def test_ohem_changes_the_loss_and_keeps_everything_when_asked():
    labels, logits = _batch(seed=4)
    plain = float(SegmentationLoss(ignore_class=9)(labels, logits))
    everything = SegmentationLoss(ignore_class=9, ohem_thresh=1.0, ohem_min_kept=10_000)
    np.testing.assert_allclose(float(everything(labels, logits)), plain, rtol=1e-6)
    hard = float(SegmentationLoss(ignore_class=9, ohem_thresh=0.3, ohem_min_kept=5)(labels, logits))
    assert hard > plain  # the easy pixels no longer dilute the mean


def test_ohem_gradient_skips_easy_and_void_pixels_and_roundtrips():
    labels, logits = _batch(seed=6)
    logits[1, 0, 0] = np.eye(4)[labels[1, 0, 0]] * 30  # one certain, easy pixel
    loss = SegmentationLoss(ignore_class=9, jaccard_weight=0.0, ohem_thresh=0.5, ohem_min_kept=3)
    if keras.backend.backend() == "jax":
        import jax

        grad = jax.grad(lambda x: loss(labels, x))(logits)
    else:
        import tensorflow as tf

        variable = keras.Variable(logits)
        with tf.GradientTape() as tape:
            value = loss(labels, variable)
        grad = tape.gradient(value, variable)
    grad = keras.ops.convert_to_numpy(grad)
    assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0
    assert not np.any(grad[labels == 9]) and not np.any(grad[1, 0, 0])
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert (again.ohem_thresh, again.ohem_min_kept) == (0.5, 3)
    with pytest.raises(ValueError, match="ohem_thresh"):
        SegmentationLoss(ohem_thresh=0.0)
    with pytest.raises(ValueError, match="ohem_min_kept"):
        SegmentationLoss(ohem_thresh=0.7, ohem_min_kept=0)
