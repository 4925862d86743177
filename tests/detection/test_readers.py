"""VOC, VOC devkit, COCO and YOLO readers on tiny datasets written to tmp_path."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from zoo.detection.data import (
    detect_format,
    read_coco,
    read_detection_dataset,
    read_voc,
    read_yolo,
)
from zoo.errors import DataError

from .fixtures import make_coco, make_voc, make_voc_devkit, make_yolo


def test_voc_simple_layout(tmp_path):
    ds = read_voc(make_voc(tmp_path))
    assert ds.class_names == ["cat", "dog"]
    assert [s.image_path.name for s in ds] == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    a = ds[0]
    assert (a.width, a.height) == (64, 48)
    assert a.boxes.dtype == np.float32 and a.boxes.tolist() == [[1, 2, 30, 40], [20, 10, 60, 47]]
    assert a.labels.tolist() == [0, 1] and a.difficult.tolist() == [False, True]
    assert len(ds[2]) == 0 and ds[2].boxes.shape == (0, 4)
    assert ds.class_counts() == {"cat": 3, "dog": 2} and ds.warnings == []


def test_voc_class_names_fix_order_and_reject_unknown(tmp_path):
    make_voc(tmp_path)
    assert read_voc(tmp_path, class_names=["dog", "cat"])[1].labels.tolist() == [0]
    with pytest.raises(DataError, match=r"a\.xml: unknown class 'dog'"):
        read_voc(tmp_path, class_names=["cat"])


def test_voc_trusts_the_real_image_size(tmp_path, caplog):
    make_voc(tmp_path, stated={"d": (500, 375)})
    with caplog.at_level(logging.WARNING):
        ds = read_voc(tmp_path)
    d = ds[3]
    assert (d.width, d.height) == (80, 60)
    assert len(ds.warnings) == 1 and "d.xml: states size 500x375" in ds.warnings[0]
    assert "80x60" in ds.warnings[0] and "states size" in caplog.text


def test_voc_devkit_splits(tmp_path):
    make_voc_devkit(tmp_path)
    assert detect_format(tmp_path) == "voc"
    train = read_voc(tmp_path, split="train")
    assert [s.image_path.name for s in train] == ["a.jpg", "c.jpg"]
    assert len(read_voc(tmp_path)) == 4
    with pytest.raises(DataError, match=r"test\.txt"):
        read_voc(tmp_path, split="test")


def test_voc_missing_image_is_an_error(tmp_path):
    make_voc(tmp_path)
    (tmp_path / "images" / "b.jpg").unlink()
    with pytest.raises(DataError, match=r"b\.xml: image b\.jpg not found"):
        read_voc(tmp_path)


def test_coco_reader(tmp_path):
    ds = read_coco(make_coco(tmp_path))
    assert detect_format(tmp_path) == "coco"
    assert ds.class_names == ["cat", "dog", "zebra"]  # sorted category ids 3, 5, 7
    x, y, z = ds.samples
    assert x.boxes.tolist() == [[1, 2, 30, 40], [10, 10, 30, 30]]
    assert x.labels.tolist() == [0, 2] and x.difficult.tolist() == [False, True]
    assert (y.width, y.height, y.labels.tolist()) == (50, 40, [1])
    assert len(z) == 0
    assert len(read_coco(tmp_path, split="val")) == 3
    with pytest.raises(DataError, match="split 'train'"):
        read_coco(tmp_path, split="train")


def test_yolo_reader(tmp_path):
    make_yolo(tmp_path)
    assert detect_format(tmp_path) == "yolo"
    ds = read_yolo(tmp_path)
    assert ds.class_names == ["cat", "hot dog"]
    t1, t2, v1 = ds.samples
    np.testing.assert_allclose(t1.boxes, [[40, 15, 60, 35], [0, 5, 20, 15]], atol=1e-4)
    assert t1.labels.tolist() == [0, 1] and len(t2) == 0
    np.testing.assert_allclose(v1.boxes, [[15, 20, 45, 40]], atol=1e-4)  # polygon line
    assert [s.image_path.name for s in read_yolo(tmp_path, split="val")] == ["v1.png"]
    assert len(read_yolo(tmp_path / "data.yaml", split="train")) == 2


def test_yolo_list_names_and_txt_split(tmp_path):
    make_yolo(tmp_path, "train: train.txt\nnames: ['cat', 'hot dog']\n")
    (tmp_path / "train.txt").write_text("./images/train/t1.jpg\nimages/val/v1.png\n")
    ds = read_yolo(tmp_path, split="train")
    assert ds.class_names == ["cat", "hot dog"]
    assert [s.image_path.name for s in ds] == ["t1.jpg", "v1.png"]


def test_yolo_yaml_forms_read_by_pyyaml(tmp_path):
    """Block lists, quoted names with colons and comments: what ultralytics files use."""
    text = (
        "# comment\npath: .   # trailing\ntrain:\n  - images/train\nval: 'images/val'\n"
        'nc: 2\nnames: {0: cat, 1: "hot dog: big"}\n'
    )
    make_yolo(tmp_path, text)
    ds = read_yolo(tmp_path)
    assert ds.class_names == ["cat", "hot dog: big"] and len(ds) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("names: [cat\ntrain: a\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a YAML mapping"),
    ],
)
def test_yolo_bad_yaml_is_named(tmp_path, text, expected):
    make_yolo(tmp_path, text)
    with pytest.raises(DataError, match=expected) as info:
        read_yolo(tmp_path)
    assert "data.yaml" in str(info.value) and "\n" not in str(info.value)


def test_autodetect_and_combine(tmp_path):
    make_voc(tmp_path / "voc")
    make_coco(tmp_path / "coco")
    make_yolo(tmp_path / "yolo")
    ds = read_detection_dataset([tmp_path / "voc", tmp_path / "coco", tmp_path / "yolo"])
    assert ds.class_names == ["cat", "dog", "zebra", "hot dog"]
    assert len(ds) == 4 + 3 + 3 and ds.source == tmp_path.resolve()
    assert ds[4].labels.tolist() == [0, 2]  # coco x.jpg: cat, zebra
    assert ds[7].labels.tolist() == [0, 3]  # yolo t1: cat, hot dog
    assert len(ds.parts) == 3


def test_combine_merges_spelling_variants(tmp_path):
    from zoo.detection.data import DetectionDataset, DetectionSample, combine_datasets

    a = DetectionDataset(["Hot_Dog"], [DetectionSample("a.jpg", 9, 9, [[0, 0, 5, 5]], [0])], "a")
    b = DetectionDataset(
        ["x", "hot dog"], [DetectionSample("b.jpg", 9, 9, [[1, 1, 5, 5]], [1])], "b"
    )
    ds = combine_datasets([a, b])
    assert ds.class_names == ["Hot_Dog", "x"] and ds[1].labels.tolist() == [0]


def test_unknown_layout(tmp_path):
    (tmp_path / "stuff").mkdir()
    with pytest.raises(DataError, match="unknown detection dataset layout"):
        read_detection_dataset(tmp_path / "stuff")
    with pytest.raises(DataError, match="not found"):
        read_detection_dataset(tmp_path / "nope")
