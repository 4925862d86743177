"""Readers and checks on the shared raccoon, kangaroo and coco128 data ($ZOO_DATA)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zoo.detection.data import (
    check_detection_dataset,
    image_size,
    read_detection_dataset,
    split_dataset,
)

pytestmark = pytest.mark.data


def test_raccoon_and_kangaroo(zoo_data):
    raccoon = read_detection_dataset(zoo_data / "raccoon")
    kangaroo = read_detection_dataset(zoo_data / "kangaroo")
    assert raccoon.class_names == ["raccoon"] and len(raccoon) == 160
    assert kangaroo.class_names == ["kangaroo"] and len(kangaroo) == 132
    for ds in (raccoon, kangaroo):
        for s in ds:
            assert len(s) >= 1 and s.image_path.is_file()
            assert (s.boxes[:, 2:] > s.boxes[:, :2]).all()
            assert (s.boxes[:, 2] <= s.width).all() and (s.boxes[:, 3] <= s.height).all()


def test_real_sizes_from_headers_match_decoding(zoo_data):
    ds = read_detection_dataset([zoo_data / "raccoon", zoo_data / "kangaroo"])
    for s in ds.samples[::7]:
        assert image_size(s.image_path, decode=True) == (s.width, s.height)


def test_combined_default_split(zoo_data):
    ds = read_detection_dataset([zoo_data / "raccoon", zoo_data / "kangaroo"])
    assert ds.class_names == ["raccoon", "kangaroo"] and len(ds) == 292
    train, val = split_dataset(ds, 0.2, seed=0)
    assert len(train) + len(val) == 292
    counts = {n: sum(int((s.labels == i).any()) for s in val) for i, n in enumerate(ds.class_names)}
    assert counts == {"raccoon": 32, "kangaroo": 26}
    assert [s.image_path for s in split_dataset(ds, 0.2, seed=0)[1]] == [s.image_path for s in val]


def test_coco128(zoo_data):
    root = zoo_data / "coco128"
    ds = read_detection_dataset(root)
    raw = json.loads((root / "annotations" / "instances_val2017.json").read_text())
    assert len(ds.class_names) == 80 and ds.class_names[:3] == ["person", "bicycle", "car"]
    assert len(ds) == 128 and ds.num_boxes == 939
    assert sum(int(s.difficult.sum()) for s in ds) == sum(a["iscrowd"] for a in raw["annotations"])
    first = {a["id"]: a for a in raw["annotations"]}
    by_image = {im["id"]: im["file_name"] for im in raw["images"]}
    cat_index = {c["id"]: i for i, c in enumerate(sorted(raw["categories"], key=lambda c: c["id"]))}
    a = next(iter(first.values()))
    sample = next(s for s in ds if s.image_path.name == by_image[a["image_id"]])
    x, y, w, h = a["bbox"]
    hit = np.isclose(sample.boxes, [x, y, x + w, y + h], atol=1e-3).all(axis=1)
    assert hit.any() and sample.labels[hit][0] == cat_index[a["category_id"]]


@pytest.mark.parametrize("name", ["raccoon", "kangaroo"])
def test_shared_voc_sets_check_clean(zoo_data, name):
    # The raccoon notes warn of XML sizes that differ from the images; this copy has none.
    assert check_detection_dataset(zoo_data / name) == []
