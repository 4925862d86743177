"""Test-time augmentation: probabilities averaged over scales and mirrors, masks of the input
size, and the same masks as plain inference where augmentation cannot change the answer."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.segmentation.tta import tta_probabilities


def _red_classifier(batch):
    """Logits favouring class 1 where a pixel is red, class 0 elsewhere (a per-pixel model)."""
    logits = np.zeros((*batch.shape[:3], 2), np.float32)
    logits[..., 1] = 4 * (batch[..., 0] / 127.5 - 1)
    return logits


def _left_half_red(n, h, w):
    batch = np.zeros((n, h, w, 3), np.float32)
    batch[:, :, : w // 2, 0] = 255
    return batch


def test_mirrored_scores_are_mirrored_back():
    probs = tta_probabilities(_red_classifier, _left_half_red(2, 12, 16), scales=(1.0,), flip=True)
    assert probs.shape == (2, 12, 16, 2)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-6)
    # a mirror not undone would turn the halves around and average them to 0.5 everywhere
    assert (probs[..., :8, 1] > 0.9).all() and (probs[..., 8:, 0] > 0.9).all()


def test_scaled_scores_come_back_at_the_input_size():
    calls = []

    def record(batch):
        calls.append(batch.shape[1:3])
        return _red_classifier(batch)

    probs = tta_probabilities(record, _left_half_red(1, 20, 32), (0.75, 1.0, 1.25))
    assert calls == [(15, 24), (15, 24), (20, 32), (20, 32), (25, 40), (25, 40)]
    assert probs.shape == (1, 20, 32, 2)
    assert probs.argmax(-1)[0, 0].tolist() == [1] * 16 + [0] * 16


def test_mean_of_the_views():
    views = iter([np.array([[[[2.0, 0.0]]]]), np.array([[[[0.0, 2.0]]]])])
    probs = tta_probabilities(lambda b: next(views), np.zeros((1, 1, 1, 3)), (1.0,), flip=True)
    np.testing.assert_allclose(probs[0, 0, 0], [0.5, 0.5], rtol=1e-6)


@pytest.mark.model
def test_fcn_segment_with_tta_keeps_sizes():
    from zoo.api import create_model

    model = create_model(
        "fcn8s", num_classes=3, backbone="litenet",
        backbone_config={"widths": [8, 8, 16, 16, 16], "depths": [1, 1, 1, 1, 1]},
    )  # fmt: skip
    rng = np.random.default_rng(0)
    images = [
        rng.integers(0, 255, (37, 53, 3), np.uint8),
        rng.integers(0, 255, (64, 48, 3), np.uint8),
    ]
    masks = model.segment(images, tta=True)
    assert [m.shape for m in masks] == [(37, 53), (64, 48)]
    assert all(m.dtype == np.uint8 and m.max() < 3 for m in masks)
