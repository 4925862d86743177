"""check_detection_dataset on deliberately broken datasets: every problem named by file."""

from __future__ import annotations

import json

from zoo.detection.data import check_detection_dataset, read_voc
from zoo.errors import DataError

from .fixtures import make_coco, make_voc, make_yolo, voc_xml, write_image


def test_clean_dataset_has_no_problems(tmp_path):
    assert check_detection_dataset(make_voc(tmp_path)) == []


def test_broken_voc_dataset(tmp_path):
    items = [
        ("ok", (64, 48), [("cat", 1, 2, 30, 40)]),
        ("outside", (50, 50), [("cat", -4, 5, 60, 45)]),
        ("zero", (50, 50), [("cat", 10, 10, 10, 30)]),
        ("unknown", (50, 50), [("zebra", 5, 5, 20, 20)]),
        ("wrongsize", (40, 30), [("cat", 1, 1, 20, 20)]),
        ("corrupt", (40, 30), [("cat", 1, 1, 20, 20)]),
    ]
    make_voc(tmp_path, items, stated={"wrongsize": (500, 375)})
    (tmp_path / "images" / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tmp_path / "annotations" / "orphan.xml").write_text(
        voc_xml("orphan.jpg", (10, 10), [("cat", 1, 1, 5, 5)])
    )
    (tmp_path / "annotations" / "bad.xml").write_text("<annotation><object>")
    problems = check_detection_dataset(tmp_path, class_names=["cat"])
    text = "\n".join(problems)
    expected = {
        "outside.xml": "goes outside the 50x50 image",
        "zero.xml": "zero area",
        "unknown.xml": "unknown class 'zebra'",
        "wrongsize.xml": "states size 500x375 but wrongsize.jpg is 40x30",
        "corrupt.xml": "unreadable image",
        "orphan.xml": "image orphan.jpg not found",
        "bad.xml": "unreadable XML",
    }
    assert len(problems) == len(expected), text
    for file, what in expected.items():
        assert any(file in p and what in p for p in problems), (file, text)
    assert all("\n" not in p for p in problems)
    assert not any("ok.xml" in p for p in problems)
    # the reader itself stops at the first real error, naming the file
    try:
        read_voc(tmp_path, class_names=["cat"])
    except DataError as e:
        assert "bad.xml" in str(e)


def test_broken_yolo_dataset(tmp_path):
    make_yolo(tmp_path)
    labels = tmp_path / "labels" / "train"
    (labels / "t1.txt").write_text(
        "0 0.5 0.5 0.2 0.4\n5 0.5 0.5 0.1 0.1\n0 0.95 0.5 0.3 0.2\n1 x\n"
    )
    (labels / "ghost.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    problems = check_detection_dataset(tmp_path)
    text = "\n".join(problems)
    assert len(problems) == 4, text
    assert any("t1.txt: line 2: unknown class id 5" in p for p in problems)
    assert any("t1.txt" in p and "goes outside the 100x50 image" in p for p in problems)
    assert any("t1.txt: line 4: not numbers" in p for p in problems)
    assert any("ghost.txt: no image for this label file" in p for p in problems)


def test_broken_coco_dataset(tmp_path):
    make_coco(tmp_path)
    (tmp_path / "images" / "y.png").unlink()
    ann = tmp_path / "annotations" / "instances_val.json"
    data = json.loads(ann.read_text())
    data["annotations"][0]["bbox"] = [1, 2, 0, 10]
    ann.write_text(json.dumps(data))
    problems = check_detection_dataset(tmp_path)
    text = "\n".join(problems)
    assert len(problems) == 2, text
    assert any("instances_val.json: image y.png (id 2) not found" in p for p in problems)
    assert any(
        "instances_val.json (x.jpg): box 0 (cat)" in p and "zero area" in p for p in problems
    )


def test_layout_problem_is_reported_not_raised(tmp_path):
    write_image(tmp_path / "x.jpg", 10, 10)
    problems = check_detection_dataset(tmp_path)
    assert len(problems) == 1 and "unknown detection dataset layout" in problems[0]
