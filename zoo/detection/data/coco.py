"""COCO JSON datasets: ``root/annotations/*.json`` and the images beside them.

The annotation file is ``annotations/instances_{split}.json`` (or the one ``*.json`` whose
name contains ``split``; with no split, the only one). Images are looked up in
``images/{split}/``, ``images/``, ``{split}/`` then ``root/``. Category ids become contiguous
labels in sorted-id order, names kept; ``iscrowd`` boxes become ``difficult`` (ignored by the
metrics, as pycocotools does). Boxes ``x, y, w, h`` become ``x1, y1, x2, y2``.

Example:
    >>> ds = read_coco("data/coco128")  # doctest: +SKIP
    >>> len(ds.class_names), len(ds)  # doctest: +SKIP
    (80, 128)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from zoo.detection.data.images import image_size
from zoo.detection.data.problems import Problems, clean_boxes
from zoo.detection.data.sample import DetectionDataset, DetectionSample
from zoo.errors import DataError


def find_coco_json(root: Path, split: str | None) -> Path:
    """The annotation file of a COCO folder (``root`` may be the ``.json`` itself)."""
    if root.is_file():
        return root
    files = sorted((root / "annotations").glob("*.json"))
    if not files:
        raise DataError(f"{root}: no annotations/*.json file (not a COCO dataset)")
    if split is None:
        if len(files) == 1:
            return files[0]
        instances = [f for f in files if f.name.startswith("instances_")]
        if len(instances) == 1:
            return instances[0]
        names = ", ".join(f.name for f in files)
        raise DataError(f"{root}/annotations: several annotation files ({names}); pass a split")
    exact = root / "annotations" / f"instances_{split}.json"
    if exact.is_file():
        return exact
    matching = [f for f in files if split in f.stem]
    if len(matching) != 1:
        names = ", ".join(f.name for f in files)
        raise DataError(f"{root}/annotations: no single file for split {split!r} ({names})")
    return matching[0]


def _image_dirs(root: Path, ann: Path, split: str | None) -> list[Path]:
    base = ann.parent.parent if ann.parent.name == "annotations" else ann.parent
    stem = ann.stem.removeprefix("instances_")
    dirs = []
    for s in dict.fromkeys(x for x in (split, stem) if x):
        dirs += [base / "images" / s, base / s]
    return [*dirs, base / "images", base]


def read_coco(
    root: Path | str,
    split: str | None = None,
    class_names: list[str] | None = None,
    *,
    problems: Problems | None = None,
) -> DetectionDataset:
    """Read a COCO JSON detection dataset into a :class:`DetectionDataset`.

    ``class_names`` fixes the label order by category name (a category outside it is an error).

    Example:
        >>> read_coco("data/coco128").class_names[:3]  # doctest: +SKIP
        ['person', 'bicycle', 'car']
    """
    root = Path(root)
    problems = problems or Problems(strict=True)
    ann = find_coco_json(root, split)
    try:
        data = json.loads(ann.read_text())
        images, annotations = data["images"], data.get("annotations", [])
        categories = sorted(data["categories"], key=lambda c: c["id"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DataError(f"{ann}: not a COCO detection file ({type(e).__name__}: {e})") from None
    cat_names = {c["id"]: str(c["name"]) for c in categories}
    names = list(class_names) if class_names else [cat_names[c["id"]] for c in categories]
    index = {n: i for i, n in enumerate(names)}
    for cid, n in cat_names.items():
        if n not in index:
            known = ", ".join(names)
            problems.error(f"{ann}: unknown class {n!r} (category {cid}; classes: {known})")
    label_of = {cid: index[n] for cid, n in cat_names.items() if n in index}

    per_image: dict[int, list[dict]] = {}
    for a in annotations:
        per_image.setdefault(a.get("image_id"), []).append(a)
    dirs = [d for d in _image_dirs(root, ann, split) if d.is_dir()]
    samples = []
    for im in sorted(images, key=lambda i: i["id"]):
        file_name = str(im.get("file_name", ""))
        path = next((d / file_name for d in dirs if (d / file_name).is_file()), None)
        if path is None:
            problems.error(f"{ann}: image {file_name} (id {im['id']}) not found under {root}")
            continue
        try:
            width, height = image_size(path, decode=not problems.strict)
        except DataError as e:
            problems.error(f"{ann}: {e}")
            continue
        stated = (im.get("width"), im.get("height"))
        if stated != (width, height) and None not in stated:
            problems.fix(
                f"{ann}: image {file_name} states size {stated[0]}x{stated[1]} but is "
                f"{width}x{height}; using the real image size"
            )
        anns = [a for a in per_image.get(im["id"], []) if a.get("category_id") in label_of]
        for a in per_image.get(im["id"], []):
            if a.get("category_id") not in cat_names:
                cid = a.get("category_id")
                problems.error(f"{ann}: annotation {a.get('id')} has unknown category {cid}")
        boxes = np.array([a["bbox"] for a in anns], np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        boxes = boxes.astype(np.float32)
        labels = np.array([label_of[a["category_id"]] for a in anns], np.int64)
        crowd = np.array([bool(a.get("iscrowd", 0)) for a in anns], bool)
        box_names = [names[i] for i in labels]
        keep = clean_boxes(boxes, width, height, f"{ann} ({file_name})", box_names, problems)
        samples.append(DetectionSample(path, width, height, boxes[keep], labels[keep], crowd[keep]))
    return DetectionDataset(names, samples, root, list(problems.warnings))
