"""Write tiny detection datasets (VOC, VOC devkit, COCO, YOLO) into a test's tmp folder."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np


def write_image(path: Path, width: int, height: int, value: int = 90) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = np.full((height, width, 3), value, np.uint8)
    cv2.rectangle(img, (2, 2), (width // 2, height // 2), (200, 30, 30), -1)
    assert cv2.imwrite(str(path), img)
    return path


def voc_xml(filename: str, size: tuple[int, int], objects: list[tuple]) -> str:
    """objects: (name, x1, y1, x2, y2[, difficult])."""
    objs = ""
    for name, x1, y1, x2, y2, *rest in objects:
        diff = int(rest[0]) if rest else 0
        objs += (
            f"<object><name>{name}</name><difficult>{diff}</difficult><bndbox>"
            f"<xmin>{x1}</xmin><ymin>{y1}</ymin><xmax>{x2}</xmax><ymax>{y2}</ymax>"
            "</bndbox></object>"
        )
    return (
        f"<annotation><filename>{filename}</filename><size><width>{size[0]}</width>"
        f"<height>{size[1]}</height><depth>3</depth></size>{objs}</annotation>"
    )


# (stem, real size, objects)
VOC_ITEMS = [
    ("a", (64, 48), [("cat", 1, 2, 30, 40), ("dog", 20, 10, 60, 47, 1)]),
    ("b", (50, 50), [("dog", 5, 5, 25, 45)]),
    ("c", (40, 30), []),
    ("d", (80, 60), [("cat", 10, 10, 70, 50), ("cat", 0, 0, 8, 8)]),
]


def make_voc(root: Path, items=VOC_ITEMS, stated: dict | None = None) -> Path:
    """Simple layout: images/ + annotations/. ``stated`` overrides an XML's size by stem."""
    stated = stated or {}
    for stem, size, objects in items:
        write_image(root / "images" / f"{stem}.jpg", *size)
        xml = voc_xml(f"{stem}.jpg", stated.get(stem, size), objects)
        (root / "annotations").mkdir(parents=True, exist_ok=True)
        (root / "annotations" / f"{stem}.xml").write_text(xml)
    return root


def make_voc_devkit(root: Path) -> Path:
    make_voc(root)
    (root / "images").rename(root / "JPEGImages")
    (root / "annotations").rename(root / "Annotations")
    main = root / "ImageSets" / "Main"
    main.mkdir(parents=True)
    (main / "train.txt").write_text("a\nc\n")
    (main / "val.txt").write_text("b\nd\n")
    return root


def make_coco(root: Path) -> Path:
    """Category ids 7 (zebra), 3 (cat), 5 (dog): contiguous labels follow sorted ids."""
    images, anns = [], []
    items = [
        (1, "x.jpg", (64, 48), [(3, [1, 2, 29, 38], 0), (7, [10, 10, 20, 20], 1)]),
        (2, "y.png", (50, 40), [(5, [0, 0, 50, 40], 0)]),
        (3, "z.jpg", (30, 30), []),
    ]
    for image_id, name, size, objects in items:
        write_image(root / "images" / name, *size)
        images.append({"id": image_id, "file_name": name, "width": size[0], "height": size[1]})
        for cat, bbox, crowd in objects:
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": image_id,
                    "category_id": cat,
                    "bbox": bbox,
                    "area": bbox[2] * bbox[3],
                    "iscrowd": crowd,
                }
            )
    cats = [{"id": 7, "name": "zebra"}, {"id": 3, "name": "cat"}, {"id": 5, "name": "dog"}]
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    data = {"images": images, "annotations": anns, "categories": cats}
    (root / "annotations" / "instances_val.json").write_text(json.dumps(data))
    return root


YOLO_YAML = """\
# tiny dataset
path: .  # root
train: images/train
val: [images/val]
names:
  0: cat
  1: hot dog
"""


def make_yolo(root: Path, yaml_text: str = YOLO_YAML) -> Path:
    write_image(root / "images" / "train" / "t1.jpg", 100, 50)
    write_image(root / "images" / "train" / "t2.jpg", 40, 40)
    write_image(root / "images" / "val" / "v1.png", 60, 80)
    (root / "labels" / "train").mkdir(parents=True)
    (root / "labels" / "val").mkdir(parents=True)
    (root / "labels" / "train" / "t1.txt").write_text("0 0.5 0.5 0.2 0.4\n1 0.1 0.2 0.2 0.2\n\n")
    # t2 has no label file: background image
    (root / "labels" / "val" / "v1.txt").write_text("1 0.25 0.25 0.75 0.25 0.75 0.5\n")
    (root / "data.yaml").write_text(yaml_text)
    return root
