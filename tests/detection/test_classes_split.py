"""Class-name matching with aliases, and the stratified split."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.detection.data import (
    DetectionDataset,
    DetectionSample,
    match_classes,
    split_dataset,
)


@pytest.mark.parametrize(
    ("dataset", "model"),
    [
        ("motorbike", "motorcycle"),
        ("aeroplane", "airplane"),
        ("sofa", "couch"),
        ("tvmonitor", "tv"),
        ("diningtable", "dining table"),
        ("pottedplant", "potted plant"),
        ("Potted_Plant", "potted-plant"),
        ("TV Monitor", "tv"),
        ("hair dryer", "hair drier"),
    ],
)
def test_aliases_match(dataset, model):
    assert match_classes([dataset], ["person", model]) == ({0: 1}, [])


def test_match_classes_voc_to_coco_and_unmatched():
    voc = ["aeroplane", "bicycle", "person", "tvmonitor", "raccoon"]
    coco = ["person", "bicycle", "car", "motorcycle", "airplane", "tv"]
    mapping, unmatched = match_classes(voc, coco)
    assert mapping == {0: 4, 1: 1, 2: 0, 3: 5}
    assert unmatched == ["raccoon"]


def test_exact_match_beats_alias():
    assert match_classes(["monitor"], ["tv", "monitor"]) == ({0: 1}, [])


def _dataset(n_a=30, n_b=10, n_empty=5):
    samples = []
    for i in range(n_a):
        samples.append(DetectionSample(f"a{i}.jpg", 10, 10, [[0, 0, 5, 5]], [0]))
    for i in range(n_b):  # images with both classes: stratum of the rarer one, b
        samples.append(DetectionSample(f"b{i}.jpg", 10, 10, [[0, 0, 5, 5]] * 2, [0, 1]))
    for i in range(n_empty):
        samples.append(DetectionSample(f"e{i}.jpg", 10, 10, np.zeros((0, 4)), []))
    return DetectionDataset(["a", "b"], samples, ".")


def test_split_is_deterministic_disjoint_and_stratified():
    ds = _dataset()
    train, val = split_dataset(ds, 0.2, seed=0)
    names = lambda d: [s.image_path.name for s in d]  # noqa: E731
    assert sorted(names(train) + names(val)) == sorted(names(ds))
    assert not set(names(train)) & set(names(val))
    assert sum(n.startswith("a") for n in names(val)) == 6
    assert sum(n.startswith("b") for n in names(val)) == 2
    assert sum(n.startswith("e") for n in names(val)) == 1
    again = split_dataset(ds, 0.2, seed=0)[1]
    assert names(again) == names(val)
    shuffled = DetectionDataset(ds.class_names, ds.samples[::-1], ".")
    assert sorted(names(split_dataset(shuffled, 0.2, seed=0)[1])) == sorted(names(val))
    assert names(split_dataset(ds, 0.2, seed=1)[1]) != names(val)


def test_split_edge_cases():
    ds = _dataset(3, 1, 0)
    train, val = split_dataset(ds, 0.0)
    assert len(train) == 4 and len(val) == 0
    with pytest.raises(ValueError, match="val_fraction"):
        split_dataset(ds, 1.0)
