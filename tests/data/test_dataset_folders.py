"""Datasets made from the real photos, with names that leave their folder and other faults:
``zoo data check`` names every one in a single run; training and evaluation read the same
usable samples (bad ones named and left out, boxes clipped or dropped the same way)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from zoo.data.inside import resolve_inside
from zoo.detection.data import read_detection_dataset
from zoo.detection.data.problems import Problems
from zoo.detection.evaluate import load_eval_dataset
from zoo.detection.train import dataset_for_config
from zoo.errors import DataError

pytestmark = pytest.mark.data
ROOT = Path(__file__).resolve().parents[2]


def zoo_data_check(root: Path, *extra: str) -> tuple[int, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "data", "check", str(root), *extra],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout.splitlines()


def voc_xml(filename: str, size: tuple[int, int], boxes: list[tuple]) -> str:
    objects = "".join(
        f"<object><name>raccoon</name><bndbox><xmin>{a}</xmin><ymin>{b}</ymin>"
        f"<xmax>{c}</xmax><ymax>{d}</ymax></bndbox></object>"
        for a, b, c, d in boxes
    )
    return (
        f"<annotation><filename>{filename}</filename><size><width>{size[0]}</width>"
        f"<height>{size[1]}</height><depth>3</depth></size>{objects}</annotation>"
    )


@pytest.fixture
def raccoon_voc(zoo_data, tmp_path):
    """Six raccoon photos as a VOC folder, a secret photo beside it (outside its root)."""
    root = tmp_path / "voc"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    photos = sorted((zoo_data / "raccoon" / "images").glob("*.jpg"))[:7]
    for photo in photos[:6]:
        shutil.copy(photo, root / "images" / photo.name)
    shutil.copy(photos[6], tmp_path / "secret.jpg")
    sizes = {p.name: cv2.imread(str(p)).shape[1::-1] for p in photos}
    sizes["secret.jpg"] = sizes[photos[6].name]
    return root, [p.name for p in photos[:6]], sizes


def test_voc_names_leaving_the_folder_and_bad_boxes(raccoon_voc, tmp_path):
    root, names, sizes = raccoon_voc
    a, b, c, d, e = names[:5]
    cut = (root / "images" / e).read_bytes()
    (root / "images" / e).write_bytes(cut[: len(cut) // 2])
    write = lambda stem, text: (root / "annotations" / f"{stem}.xml").write_text(text)  # noqa: E731
    write("good", voc_xml(a, sizes[a], [(10, 10, 60, 60)]))
    write("climb", voc_xml("../../secret.jpg", (10, 10), [(1, 1, 5, 5)]))
    write("absolute", voc_xml(str(tmp_path / "secret.jpg"), (10, 10), [(1, 1, 5, 5)]))
    # a link is followed wherever it points: the folder's owner put it there
    os.symlink(tmp_path / "secret.jpg", root / "images" / "link.jpg")
    write("link", voc_xml("link.jpg", sizes["secret.jpg"], [(1, 1, 50, 50)]))
    write("outside", voc_xml(b, sizes[b], [(-20, 5, sizes[b][0] + 30, 50)]))
    write("zero", voc_xml(c, sizes[c], [(30, 30, 30, 80), (5, 5, 40, 40)]))
    write("size", voc_xml(d, (9999, 7777), [(5, 5, 40, 40)]))
    write("gone", voc_xml("missing.jpg", (10, 10), [(1, 1, 5, 5)]))
    write("cut", voc_xml(e, sizes[e], [(5, 5, 40, 40)]))
    code, lines = zoo_data_check(root)
    assert code == 1
    text = "\n".join(lines)
    expected = {
        "climb.xml": "climbs out of",
        "absolute.xml": "absolute path",
        "outside.xml": "clipped",
        "zero.xml": "zero area",
        "size.xml": "states size 9999x7777",
        "gone.xml": "missing.jpg not found",
        e: "partially written JPEG",
    }
    for file, said in expected.items():
        assert any(file in line and said in line for line in lines), (file, text)
    assert len(lines) == len(expected), text
    assert "good.xml" not in text and "link.xml" not in text

    # the strict reader refuses, naming the annotation
    with pytest.raises(DataError, match=r"absolute\.xml: absolute path"):
        read_detection_dataset(root)
    # evaluation and training keep the same six usable samples (the cut JPEG decoded),
    # boxes clipped and dropped alike
    evaluated = load_eval_dataset(root, None, Problems(skip_errors=True))
    evaluated.samples.sort(key=lambda s: s.image_path.name)
    config = {"data": {"roots": [str(root)], "val_fraction": 0.25, "split_seed": 0}}
    train, val = dataset_for_config(config)
    trained = sorted(train.samples + val.samples, key=lambda s: s.image_path.name)
    assert [s.image_path.name for s in evaluated.samples] == [s.image_path.name for s in trained]
    assert {s.image_path.name for s in evaluated.samples} == {a, b, c, d, e, "link.jpg"}
    for x, y in zip(evaluated.samples, trained, strict=True):
        assert np.array_equal(x.boxes, y.boxes)
    by_name = {s.image_path.name: s for s in evaluated.samples}
    assert by_name[b].boxes.tolist() == [[0, 5, sizes[b][0], 50]]  # clipped to the image
    assert len(by_name[c].boxes) == 1  # the zero-area box dropped
    assert (by_name[d].width, by_name[d].height) == sizes[d]  # the real size wins
    assert all(s.image_path.is_relative_to(root) for s in trained)


def test_coco_duplicates_missing_entries_and_escapes(zoo_data, tmp_path):
    source = json.loads(
        (zoo_data / "coco128" / "annotations" / "instances_val2017.json").read_text()
    )
    root = tmp_path / "coco"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    images = sorted(source["images"], key=lambda i: i["id"])[:4]
    for im in images:
        shutil.copy(zoo_data / "coco128" / "images" / im["file_name"], root / "images")
    shutil.copy(zoo_data / "coco128" / "images" / images[0]["file_name"], tmp_path / "secret.jpg")
    ids = {im["id"] for im in images}
    anns = [a for a in source["annotations"] if a["image_id"] in ids]
    bad_images = [
        {**images[1], "file_name": "other.jpg"},  # id repeated
        {**images[2], "id": 999_001},  # file_name repeated
        {"id": 999_002, "file_name": "../secret.jpg", "width": 10, "height": 10},
        {"id": 999_003, "file_name": str(tmp_path / "secret.jpg"), "width": 10, "height": 10},
    ]
    bad_anns = [
        {"id": 999_100, "image_id": 424242, "category_id": 1, "bbox": [1, 1, 5, 5]},
        {"id": 999_101, "image_id": images[0]["id"], "category_id": 1, "bbox": [1, "x", 5]},
    ]
    data = {**source, "images": images + bad_images, "annotations": anns + bad_anns}
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(data))
    code, lines = zoo_data_check(root)
    assert code == 1
    text = "\n".join(lines)
    for said in (
        f"image id {images[1]['id']} appears twice",
        f"image {images[2]['file_name']} listed twice",
        "'../secret.jpg' climbs out of",
        "absolute path",
        "refers to image id 424242, which has no entry",
        "annotation 999101 bbox",
    ):
        assert said in text, (said, text)
    evaluated = load_eval_dataset(root, "val2017", Problems(skip_errors=True))
    assert sorted(s.image_path.name for s in evaluated.samples) == sorted(
        im["file_name"] for im in images
    )


def test_yolo_lists_leaving_the_folder(zoo_data, tmp_path):
    root = tmp_path / "yolo"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    photos = sorted((zoo_data / "kangaroo" / "images").glob("*.jpg"))[:3]
    for photo in photos[:2]:
        shutil.copy(photo, root / "images" / photo.name)
        (root / "labels" / f"{photo.stem}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    shutil.copy(photos[2], tmp_path / "secret.jpg")
    listing = [f"images/{photos[0].name}", f"./images/{photos[1].name}", "../secret.jpg",
               str(tmp_path / "secret.jpg")]  # fmt: skip
    (root / "train.txt").write_text("\n".join(listing) + "\n")
    (root / "data.yaml").write_text("train: train.txt\nval: ../elsewhere\nnames: [kangaroo]\n")
    code, lines = zoo_data_check(root)
    assert code == 1
    text = "\n".join(lines)
    assert "train.txt:3: '../secret.jpg' climbs out of" in text
    assert "train.txt:4: absolute path" in text
    problems = Problems(skip_errors=True)
    with pytest.raises(DataError, match=r"val: '\.\./elsewhere' climbs out"):
        read_detection_dataset(root, "val", problems=problems)
    dataset = read_detection_dataset(root, "train", problems=problems)
    assert len(dataset) == 2 and len(problems.errors) == 2


def test_segmentation_labels_out_of_range_and_escaping_ids(zoo_data, tmp_path):
    root = tmp_path / "camvid"
    for folder in ("val", "valannot"):
        (root / folder).mkdir(parents=True)
    images = sorted((zoo_data / "camvid" / "val").glob("*.jpg"))[:3]
    for image in images:
        shutil.copy(image, root / "val")
        shutil.copy(zoo_data / "camvid" / "valannot" / f"{image.stem}.png", root / "valannot")
    mask_path = root / "valannot" / f"{images[0].stem}.png"
    mask = cv2.imread(str(mask_path), cv2.IMREAD_UNCHANGED)
    mask[:10, :10] = 200  # not a CamVid class, not void
    cv2.imwrite(str(mask_path), mask)
    code, lines = zoo_data_check(root)
    assert code == 1
    text = "\n".join(lines)
    assert f"{images[0].stem}.png: label values 200 outside 0..10" in text

    from zoo.segmentation.data import read_segmentation_dataset
    from zoo.segmentation.data.loader import SegmentationLoader

    dataset = read_segmentation_dataset(root, "val")
    _, loaded = SegmentationLoader(dataset, batch_size=1, shuffle=False).load(0)
    assert (loaded[:10, :10] == dataset.ignore_index).all()  # void in training, as in eval
    assert (loaded[10:] == mask[10:]).all()


def test_split_folders_linked_from_another_disk_are_followed(zoo_data, tmp_path):
    """``camvid/val -> /mnt/data/camvid/val``: the links are followed, by the readers and by
    ``zoo data check``; names in annotation files still may not leave the folder."""
    from zoo.segmentation.data import read_segmentation_dataset

    disk = tmp_path / "other_disk"
    root = tmp_path / "camvid"
    root.mkdir()
    images = sorted((zoo_data / "camvid" / "val").glob("*.jpg"))[:2]
    for folder, files in (("val", images), ("valannot", None)):
        (disk / folder).mkdir(parents=True)
        for image in images:
            name = image.name if files else f"{image.stem}.png"
            shutil.copy(zoo_data / "camvid" / folder / name, disk / folder)
        os.symlink(disk / folder, root / folder, target_is_directory=True)
    dataset = read_segmentation_dataset(root, "val")
    assert [p.name for p in dataset.image_paths] == [p.name for p in images]
    assert all(p.parent == root / "val" for p in dataset.image_paths)
    code, lines = zoo_data_check(root, "--split", "val")
    assert code == 0, lines

    # VOC detection: images/ and annotations/ linked in; one XML names a file with '..'
    voc, store = tmp_path / "voc", tmp_path / "store"
    (store / "images").mkdir(parents=True)
    (store / "annotations").mkdir()
    photos = sorted((zoo_data / "raccoon" / "images").glob("*.jpg"))[:2]
    for photo in photos:
        shutil.copy(photo, store / "images")
        size = cv2.imread(str(photo)).shape[1::-1]
        (store / "annotations" / f"{photo.stem}.xml").write_text(
            voc_xml(photo.name, size, [(5, 5, 40, 40)])
        )
    (store / "annotations" / "climb.xml").write_text(
        voc_xml(f"../../{photos[0].name}", (10, 10), [(1, 1, 5, 5)])
    )
    voc.mkdir()
    for folder in ("images", "annotations"):
        os.symlink(store / folder, voc / folder, target_is_directory=True)
    code, lines = zoo_data_check(voc)
    assert code == 1 and len(lines) == 1 and "climb.xml" in lines[0], lines
    assert "climbs out of" in lines[0]
    problems = Problems(skip_errors=True)
    found = read_detection_dataset(voc, problems=problems)
    assert sorted(s.image_path.name for s in found.samples) == [p.name for p in photos]
    assert all(s.image_path.parent == voc / "images" for s in found.samples)
    assert len(problems.errors) == 1


def test_voc_split_list_ids_cannot_be_paths(tmp_path):
    from zoo.segmentation.data.readers import list_stems

    listing = tmp_path / "val.txt"
    listing.write_text("2007_000033\n../../etc/passwd\n")
    with pytest.raises(DataError, match=r"val.txt:2: '../../etc/passwd' is a path"):
        list_stems(listing)
    with pytest.raises(DataError, match="climbs out"):
        resolve_inside(tmp_path, "a/../../b.jpg", "x.xml")
