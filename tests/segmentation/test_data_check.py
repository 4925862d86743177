"""check_segmentation_dataset finds every problem in a broken folder, one line each."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from zoo.segmentation.data.check import check_segmentation_dataset


def write(folder: Path, name: str, array: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / name), array)


def make_ok(root: Path) -> Path:
    for i in range(3):
        write(root / "images", f"ok{i}.jpg", np.zeros((8, 10, 3), np.uint8))
        write(root / "masks", f"ok{i}.png", np.full((8, 10), i, np.uint8))
    (root / "classes.txt").write_text("a\nb\nc\n")
    return root


def test_clean_dataset_has_no_problems(tmp_path):
    assert check_segmentation_dataset(make_ok(tmp_path)) == []


def test_broken_dataset(tmp_path):
    root = make_ok(tmp_path)
    write(root / "images", "nomask.jpg", np.zeros((8, 10, 3), np.uint8))
    write(root / "masks", "noimage.png", np.zeros((8, 10), np.uint8))
    (root / "images" / "corrupt.jpg").write_bytes(b"garbage")
    write(root / "masks", "corrupt.png", np.zeros((8, 10), np.uint8))
    write(root / "images", "small.jpg", np.zeros((4, 4, 3), np.uint8))
    write(root / "masks", "small.png", np.zeros((8, 10), np.uint8))
    write(root / "images", "labels.jpg", np.zeros((8, 10, 3), np.uint8))
    write(root / "masks", "labels.png", np.array([[0, 3, 7, 255]] * 8, np.uint8)[:, :4])
    (root / "masks" / "badmask.png").write_bytes(b"garbage")
    write(root / "images", "badmask.jpg", np.zeros((8, 10, 3), np.uint8))
    problems = check_segmentation_dataset(root)
    text = "\n".join(problems)
    assert len(problems) == 7, text
    assert any("no mask" in p and "nomask" in p for p in problems)
    assert any("no image" in p and "noimage" in p for p in problems)
    assert any("corrupt.jpg" in p and "unreadable" in p for p in problems)
    assert any("badmask.png" in p for p in problems)
    assert any("small.png" in p and "4x4" in p for p in problems)
    labels = [p for p in problems if "labels.png" in p and "label values" in p]
    assert len(labels) == 1 and "3, 7" in labels[0] and "255" not in labels[0].split("outside")[0]
    assert all("\n" not in p for p in problems)


def test_overrides_and_missing_folder(tmp_path):
    root = make_ok(tmp_path)
    problems = check_segmentation_dataset(root, num_classes=2)
    assert len(problems) == 1 and "ok2.png" in problems[0]
    assert "not found" in check_segmentation_dataset(tmp_path / "missing")[0]


def test_camvid_and_voc_layouts(tmp_path):
    cam = tmp_path / "camvid"
    write(cam / "val", "a.jpg", np.zeros((6, 6, 3), np.uint8))
    write(cam / "valannot", "a.png", np.full((6, 6), 12, np.uint8))
    write(cam / "train", "b.jpg", np.zeros((6, 6, 3), np.uint8))
    problems = check_segmentation_dataset(cam)
    assert len(problems) == 2
    assert "12" in problems[1] or "12" in problems[0]
    assert len(check_segmentation_dataset(cam, "val")) == 1
    assert "no split 'test'" in check_segmentation_dataset(cam, "test")[0]

    voc = tmp_path / "VOC2012"
    write(voc / "JPEGImages", "x.jpg", np.zeros((6, 6, 3), np.uint8))
    write(voc / "SegmentationClass", "x.png", np.zeros((6, 6), np.uint8))
    (voc / "ImageSets" / "Segmentation").mkdir(parents=True)
    (voc / "ImageSets" / "Segmentation" / "train.txt").write_text("x\ny\n")
    problems = check_segmentation_dataset(voc)
    assert problems == [f"{voc / 'JPEGImages'}: no image and no mask for y"]


@pytest.mark.data
def test_real_camvid_val_is_clean(zoo_data):
    root = zoo_data / "camvid"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    assert check_segmentation_dataset(root, "val") == []
