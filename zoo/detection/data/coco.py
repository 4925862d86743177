"""COCO JSON datasets: ``root/annotations/*.json`` and the images beside them.

The annotation file is ``annotations/instances_{split}.json`` (or the one ``*.json`` whose
name contains ``split``; with no split, the only one). Images are looked up in
``images/{split}/``, ``images/``, ``{split}/`` then ``root/``. Category ids become contiguous
labels in sorted-id order, names kept; ``iscrowd`` boxes become ``difficult`` (ignored by the
metrics, as pycocotools does). Boxes ``x, y, w, h`` become ``x1, y1, x2, y2``.
Named and skipped: an image entry whose id or ``file_name`` repeats an earlier one, an
annotation whose ``image_id`` has no entry, a ``bbox`` that is not four numbers, and a
``file_name`` that is absolute, climbs with ``..`` or links out of the dataset folder.

Example:
    >>> ds = read_coco("data/coco128")  # doctest: +SKIP
    >>> len(ds.class_names), len(ds)  # doctest: +SKIP
    (80, 128)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from zoo.data.inside import resolve_inside
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


def _image_entries(images: list, ann: Path, problems: Problems) -> dict[object, dict]:
    """``images`` by id in id order; entries without an id, a repeated id or a repeated
    ``file_name`` are named (the first entry is kept)."""
    entries: dict[object, dict] = {}
    seen_files: dict[str, object] = {}
    for im in images:
        if not isinstance(im, dict) or not _is_id(im.get("id")):
            problems.error(f"{ann}: image entry {str(im)[:80]} has no id")
            continue
        image_id, file_name = im["id"], im.get("file_name")
        if not isinstance(file_name, str) or not file_name:
            problems.error(f"{ann}: image id {image_id!r} has no file_name text")
            continue
        if image_id in entries:
            problems.error(
                f"{ann}: image id {image_id!r} appears twice ({entries[image_id].get('file_name')}"
                f" and {file_name}); the second entry is skipped"
            )
            continue
        if file_name in seen_files:
            problems.error(
                f"{ann}: image {file_name} listed twice (ids {seen_files[file_name]!r} and "
                f"{image_id!r}); the second entry is skipped"
            )
            continue
        entries[image_id] = im
        seen_files[file_name] = image_id
    return dict(sorted(entries.items(), key=lambda kv: (str(type(kv[0])), kv[0])))


def _is_id(value: object) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def _is_box(box: object) -> bool:
    return (
        isinstance(box, list)
        and len(box) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in box)
        and bool(np.isfinite(np.asarray(box, np.float64)).all())
    )


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
        if not isinstance(images, list) or not isinstance(annotations, list):
            raise TypeError("'images' and 'annotations' must be lists")
        categories = sorted(data["categories"], key=lambda c: c["id"])
        cat_names = {c["id"]: str(c["name"]) for c in categories}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise DataError(f"{ann}: not a COCO detection file ({type(e).__name__}: {e})") from None
    names = list(class_names) if class_names else [cat_names[c["id"]] for c in categories]
    index = {n: i for i, n in enumerate(names)}
    for cid, n in cat_names.items():
        if n not in index:
            known = ", ".join(names)
            problems.error(f"{ann}: unknown class {n!r} (category {cid}; classes: {known})")
    label_of = {cid: index[n] for cid, n in cat_names.items() if n in index}

    base = ann.parent.parent if ann.parent.name == "annotations" else ann.parent
    inside_root = root if root.is_dir() else base
    entries = _image_entries(images, ann, problems)
    per_image: dict[object, list[dict]] = {}
    for a in annotations:
        if not isinstance(a, dict):
            problems.error(f"{ann}: annotation {a!r} is not an object")
            continue
        if not _is_id(a.get("image_id")) or a.get("image_id") not in entries:
            problems.error(
                f"{ann}: annotation {a.get('id')} refers to image id {a.get('image_id')!r}, "
                "which has no entry in 'images'"
            )
            continue
        per_image.setdefault(a.get("image_id"), []).append(a)
    dirs = [d for d in _image_dirs(root, ann, split) if d.is_dir()]
    samples = []
    for image_id, im in entries.items():
        file_name = str(im.get("file_name", ""))
        try:
            candidates = [resolve_inside(d, file_name, str(ann), inside_root) for d in dirs]
            path = next((p for p in candidates if p.is_file()), None)
        except DataError as e:
            problems.error(f"{e} (image id {image_id})")
            continue
        if path is None:
            problems.error(f"{ann}: image {file_name} (id {image_id}) not found under {root}")
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
        anns = []
        for a in per_image.get(image_id, []):
            cid = a.get("category_id")
            if not _is_id(cid) or cid not in cat_names:
                problems.error(f"{ann}: annotation {a.get('id')} has unknown category {cid!r}")
            elif not _is_box(a.get("bbox")):
                problems.error(
                    f"{ann}: annotation {a.get('id')} bbox {a.get('bbox')!r} is not "
                    "[x, y, width, height] numbers; left out"
                )
            elif cid in label_of:
                anns.append(a)
        boxes = np.array([a["bbox"] for a in anns], np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        boxes = boxes.astype(np.float32)
        labels = np.array([label_of[a["category_id"]] for a in anns], np.int64)
        crowd = np.array([bool(a.get("iscrowd", 0)) for a in anns], bool)
        box_names = [names[i] for i in labels]
        keep = clean_boxes(boxes, width, height, f"{ann} ({file_name})", box_names, problems)
        samples.append(DetectionSample(path, width, height, boxes[keep], labels[keep], crowd[keep]))
    return DetectionDataset(names, samples, root, list(problems.warnings))
