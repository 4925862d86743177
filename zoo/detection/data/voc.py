"""Pascal VOC XML datasets: ``images/`` + ``annotations/``, or the VOC devkit layout.

Layouts:

- simple: ``root/annotations/*.xml`` and ``root/images/`` (e.g. the raccoon and kangaroo sets);
  with ``split``, ``root/{split}/`` must hold that layout;
- devkit: ``root/Annotations/*.xml``, ``root/JPEGImages/`` and, for a split,
  ``root/ImageSets/Main/{split}.txt`` listing the image ids.

Every file an annotation names must lie inside ``root`` (no absolute paths, no ``..``, no
links out; see :mod:`zoo.data.inside`); such an annotation is named and skipped.
Coordinates are taken as written (no 1-based shift), the image's real size wins over the
size stated in the XML (the dataset warns when they differ), and ``difficult`` is kept.
Without ``class_names`` the classes are the sorted names found.

Example:
    >>> ds = read_voc("data/raccoon")  # doctest: +SKIP
    >>> ds.class_names, len(ds)  # doctest: +SKIP
    (['raccoon'], 160)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.data.inside import check_inside, resolve_inside
from zoo.detection.data.images import find_image, image_size
from zoo.detection.data.problems import Problems, clean_boxes
from zoo.detection.data.sample import DetectionDataset, DetectionSample
from zoo.errors import DataError


@dataclass
class _Record:
    xml: Path
    filename: str
    stated: tuple[int, int] | None
    names: list[str]
    boxes: list[list[float]]
    difficult: list[bool]


def _voc_dirs(root: Path, split: str | None) -> tuple[Path, Path, list[str] | None]:
    """(annotations dir, images dir, ids or None) for either layout."""
    if (root / "Annotations").is_dir():
        ann, img = root / "Annotations", root / "JPEGImages"
        if split is None:
            return ann, img, None
        listing = root / "ImageSets" / "Main" / f"{split}.txt"
        if not listing.is_file():
            raise DataError(f"{listing}: split list not found (no split {split!r} in {root})")
        ids = [line.split()[0] for line in listing.read_text().splitlines() if line.strip()]
        return ann, img, ids
    base = root / split if split is not None else root
    if split is not None and not (base / "annotations").is_dir():
        raise DataError(
            f"{root}: no split {split!r} (expected {base}/annotations); "
            "this dataset has no splits, use split_dataset() to hold out a validation part"
        )
    if not (base / "annotations").is_dir():
        subs = sorted(p.parent.name for p in root.glob("*/annotations"))
        if subs:
            raise DataError(f"{root}: splits {', '.join(subs)} found; pass split=one of them")
        raise DataError(f"{root}: not a VOC dataset (no annotations/ or Annotations/ folder)")
    return base / "annotations", base / "images", None


def _number(node: ET.Element, tag: str, xml: Path) -> float:
    text = node.findtext(tag)
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"{xml}: <{tag}> is {text!r}, not a number") from None


def _parse(xml: Path, problems: Problems) -> _Record | None:
    try:
        root = ET.parse(xml).getroot()
    except (ET.ParseError, OSError) as e:
        problems.error(f"{xml}: unreadable XML ({e})")
        return None
    stated = None
    size = root.find("size")
    if size is not None and size.findtext("width") and size.findtext("height"):
        try:
            stated = (int(float(size.findtext("width"))), int(float(size.findtext("height"))))
        except (ValueError, OverflowError):
            stated = None
    rec = _Record(xml, (root.findtext("filename") or "").strip(), stated, [], [], [])
    for i, obj in enumerate(root.iter("object")):
        name = (obj.findtext("name") or "").strip()
        box = obj.find("bndbox")
        if not name or box is None:
            problems.error(f"{xml}: object {i} has no <name> or no <bndbox>")
            continue
        try:
            coords = [_number(box, t, xml) for t in ("xmin", "ymin", "xmax", "ymax")]
        except DataError as e:
            problems.error(str(e))
            continue
        rec.names.append(name)
        rec.boxes.append(coords)
        rec.difficult.append((obj.findtext("difficult") or "0").strip() in ("1", "true", "True"))
    return rec


def read_voc(
    root: Path | str,
    split: str | None = None,
    class_names: list[str] | None = None,
    *,
    problems: Problems | None = None,
) -> DetectionDataset:
    """Read a Pascal VOC XML dataset (simple or devkit layout) into a :class:`DetectionDataset`.

    ``class_names`` fixes the label order (a name outside it is an error); ``problems`` is
    for :func:`check_detection_dataset` (collect instead of raise).

    Example:
        >>> read_voc("VOCdevkit/VOC2007", split="test").class_names[:2]  # doctest: +SKIP
        ['aeroplane', 'bicycle']
    """
    root = Path(root)
    problems = problems or Problems(strict=True)
    ann_dir, img_dir, ids = _voc_dirs(root, split)
    listing = root / "ImageSets" / "Main" / f"{split}.txt"
    if ids is None:
        xmls = sorted(ann_dir.glob("*.xml"))
    else:
        xmls = []
        for i in ids:
            try:
                x = resolve_inside(ann_dir, f"{i}.xml", str(listing), root)
            except DataError as e:
                problems.error(str(e))
                continue
            if not x.is_file():
                problems.error(f"{x}: annotation listed in split {split!r} not found")
                continue
            xmls.append(x)
    if not xmls:
        raise DataError(f"{ann_dir}: no .xml annotation files")
    inside = []
    for x in xmls:
        try:
            inside.append(check_inside(root, x, str(x)))
        except DataError as e:
            problems.error(str(e))
    records = [r for r in (_parse(x, problems) for x in inside) if r is not None]

    names = class_names or sorted({n for r in records for n in r.names})
    index = {n: i for i, n in enumerate(names)}
    samples = []
    for rec in records:
        try:
            if rec.filename:  # the name the XML gives must stay inside the dataset
                resolve_inside(img_dir, rec.filename, str(rec.xml), root)
            image = find_image(img_dir, rec.filename, rec.xml.stem)
            if image is not None:
                check_inside(root, image, str(rec.xml))
        except DataError as e:
            problems.error(str(e))
            continue
        if image is None:
            wanted = rec.filename or rec.xml.stem
            problems.error(f"{rec.xml}: image {wanted} not found in {img_dir}")
            continue
        try:
            width, height = image_size(image, decode=not problems.strict)
        except DataError as e:
            problems.error(f"{rec.xml}: {e}")
            continue
        if rec.stated is not None and rec.stated != (width, height):
            problems.fix(
                f"{rec.xml}: states size {rec.stated[0]}x{rec.stated[1]} but {image.name} is "
                f"{width}x{height}; using the real image size"
            )
        known = [n in index for n in rec.names]
        for n, ok in zip(rec.names, known, strict=True):
            if not ok:
                problems.error(f"{rec.xml}: unknown class {n!r} (classes: {', '.join(names)})")
        boxes = np.array([b for b, ok in zip(rec.boxes, known, strict=True) if ok], np.float32)
        kept_names = [n for n, ok in zip(rec.names, known, strict=True) if ok]
        boxes = boxes.reshape(-1, 4)
        keep = clean_boxes(boxes, width, height, str(rec.xml), kept_names, problems)
        labels = np.array([index[n] for n in kept_names], np.int64).reshape(-1)
        difficult = np.array([d for d, ok in zip(rec.difficult, known, strict=True) if ok], bool)
        samples.append(
            DetectionSample(
                image, width, height, boxes[keep], labels[keep], difficult.reshape(-1)[keep]
            )
        )
    return DetectionDataset(list(names), samples, root, list(problems.warnings))
