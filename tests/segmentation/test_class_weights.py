"""Median frequency balancing against a loop-by-loop computation."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from zoo.segmentation.class_weights import (
    class_pixel_counts,
    dataset_class_weights,
    median_frequency_weights,
)
from zoo.segmentation.data import SegmentationDataset


def reference(masks, k, void):
    freqs = {}
    for c in range(k):
        pixels = total = 0
        for mask in masks:
            labelled = [v for v in mask.ravel().tolist() if v != void]
            n = labelled.count(c)
            if n:
                pixels += n
                total += len(labelled)
        if pixels:
            freqs[c] = pixels / total
    median = float(np.median(list(freqs.values())))
    return [median / freqs[c] if c in freqs else 0.0 for c in range(k)]


def test_matches_reference_with_void_and_absent_class():
    rng = np.random.default_rng(0)
    masks = [rng.choice([0, 1, 1, 2, 4, 11], size=(9, 7)) for _ in range(5)]
    masks.append(np.full((4, 4), 0))
    got = median_frequency_weights(masks, num_classes=5, ignore_index=11)
    assert got.dtype == np.float32 and got[3] == 0.0
    np.testing.assert_allclose(got, reference(masks, 5, 11), rtol=1e-6)


def test_counts():
    counts, totals = class_pixel_counts([np.array([[0, 1, 255]]), np.array([[1, 1]])], 3, 255)
    assert counts.tolist() == [1, 3, 0] and totals.tolist() == [2, 4, 0]


def test_dataset_class_weights(tmp_path):
    masks = [np.array([[0, 0, 0, 1]], np.uint8), np.array([[0, 0, 2, 2]], np.uint8)]
    paths = []
    for i, mask in enumerate(masks):
        cv2.imwrite(str(tmp_path / f"{i}.png"), mask)
        paths.append(tmp_path / f"{i}.png")
    ds = SegmentationDataset(paths, paths, ["a", "b", "c"], 255)
    assert dataset_class_weights(ds) == pytest.approx([0.8, 2.0, 1.0])
