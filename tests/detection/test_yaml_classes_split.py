"""The YAML subset parser, class-name matching with aliases, and the stratified split."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.detection.data import (
    DetectionDataset,
    DetectionSample,
    match_classes,
    split_dataset,
)
from zoo.detection.data.yaml_lite import parse_yaml_subset


def test_yaml_subset_forms():
    text = """
# comment
path: ../datasets/x   # trailing comment
train: images/train
val:
  - images/val1
  - 'images/val 2'
nc: 3
names: {0: person, 1: "traffic light", 2: 'a: b'}
flag: true
none:
"""
    cfg = parse_yaml_subset(text)
    assert cfg["path"] == "../datasets/x" and cfg["train"] == "images/train"
    assert cfg["val"] == ["images/val1", "images/val 2"] and cfg["nc"] == 3
    assert cfg["names"] == {0: "person", 1: "traffic light", 2: "a: b"}
    assert cfg["flag"] is True and cfg["none"] is None
    assert parse_yaml_subset("names:\n- cat\n- dog # pet\n") == {"names": ["cat", "dog"]}
    assert parse_yaml_subset("names: ['a#1', b]") == {"names": ["a#1", "b"]}


def test_yaml_subset_agrees_with_pyyaml():
    yaml = pytest.importorskip("yaml")
    text = "train: a/b\nval: [c, 'd e']\nnames:\n  0: x\n  1: y z\nnc: 2\nscale: 0.5\n"
    assert parse_yaml_subset(text) == yaml.safe_load(text)


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
