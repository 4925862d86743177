"""Check a segmentation dataset folder and list every problem, one line per file.

Finds images without masks and masks without images, unreadable files, image/mask size
mismatches and label values outside ``0..num_classes-1`` other than the ignore label. Works on
the layouts :func:`~zoo.segmentation.data.readers.read_segmentation_dataset` reads.

Example:
    >>> for line in check_segmentation_dataset(data_root() / "camvid"):  # doctest: +SKIP
    ...     print(line)
    >>> check_segmentation_dataset("broken")  # doctest: +SKIP
    ['broken/masks: no mask for image b (images/b.jpg)']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zoo.data.images import image_warnings
from zoo.data.inside import check_inside
from zoo.errors import DataError, one_line
from zoo.progress import track
from zoo.segmentation.data.dataset import (
    CAMVID_CLASSES,
    CAMVID_IGNORE,
    VOC_CLASSES,
    VOC_IGNORE,
    find_image,
    list_stems_of,
)
from zoo.segmentation.data.io import IMAGE_SUFFIXES, read_image, read_mask
from zoo.segmentation.data.readers import _class_list
from zoo.segmentation.data.voc import find_voc_root

MASK_SUFFIXES = (".png", ".bmp", ".tif", ".tiff")


@dataclass
class _Split:
    name: str
    pairs: list[tuple[str, Path | None, Path | None]]  # (stem, image, mask); None = missing
    image_dir: Path
    mask_dir: Path
    problem: str | None = None  # a whole-split problem (e.g. its mask folder is missing)
    notes: list[str] = field(default_factory=list)  # files refused (paths leaving the root)


def check_segmentation_dataset(
    root: str | Path,
    split: str | None = None,
    num_classes: int | None = None,
    ignore_index: int | None = None,
) -> list[str]:
    """Return one line per problem found in ``root`` (all splits when ``split`` is None).

    ``num_classes`` and ``ignore_index`` default to the layout's (CamVid 11 / 11, VOC 21 / 255,
    image + mask folders: ``classes.txt`` if present / 255). An empty list means no problem.

    Example:
        >>> check_segmentation_dataset("camvid", "val", num_classes=11)  # doctest: +SKIP
        []
    """
    root = Path(root)
    if not root.is_dir():
        return [f"{root}: dataset folder not found"]
    try:
        splits, default_classes, default_ignore = _layout(root, split)
    except DataError as err:
        return [str(err)]
    num_classes = num_classes if num_classes is not None else default_classes
    ignore_index = ignore_index if ignore_index is not None else default_ignore
    problems: list[str] = []
    for s in splits:
        if s.problem:
            problems.append(s.problem)
        problems.extend(s.notes)
        for stem, image, mask in track(s.pairs, desc=f"check {s.name}", unit="pair"):
            if image is None and mask is None:
                problems.append(f"{s.image_dir}: no image and no mask for {stem}")
            elif image is None:
                problems.append(f"{s.image_dir}: no image for mask {stem} ({mask})")
            elif mask is None:
                problems.append(f"{s.mask_dir}: no mask for image {stem} ({image})")
            else:
                with image_warnings() as partial:  # partially written images are named too
                    problems.extend(_check_pair(image, mask, num_classes, ignore_index))
                problems.extend(partial)
    return [one_line(p) for p in problems]


def _check_pair(
    image_path: Path, mask_path: Path, num_classes: int | None, ignore_index: int | None
) -> list[str]:
    try:
        image = read_image(image_path)
    except DataError as err:
        return [str(err)]
    try:
        mask = read_mask(mask_path)
    except DataError as err:
        return [str(err)]
    problems = []
    if image.shape[:2] != mask.shape:
        problems.append(
            f"{mask_path}: mask is {mask.shape[1]}x{mask.shape[0]} but image {image_path.name} "
            f"is {image.shape[1]}x{image.shape[0]}"
        )
    if num_classes is not None:
        values = np.unique(mask)
        bad = values[(values < 0) | (values >= num_classes)]
        if ignore_index is not None:
            bad = bad[bad != ignore_index]
        if bad.size:
            shown = ", ".join(str(int(v)) for v in bad[:8]) + (" ..." if bad.size > 8 else "")
            void = f", void {ignore_index}" if ignore_index is not None else ""
            problems.append(f"{mask_path}: label values {shown} outside 0..{num_classes - 1}{void}")
    return problems


def _layout(root: Path, split: str | None) -> tuple[list[_Split], int | None, int | None]:
    voc = find_voc_root(root)
    if voc is not None:
        return _voc_splits(voc, split), len(VOC_CLASSES), VOC_IGNORE
    folders = [d.name for d in sorted(root.iterdir()) if d.is_dir() and d.name[0] not in "._"]
    annot = [f[: -len("annot")] for f in folders if f.endswith("annot")]
    if annot:
        image_dirs = [f for f in folders if not f.endswith("annot")]
        names = _pick(sorted(set(annot) | set(image_dirs)), split, root)
        splits = [_folder_split(n, root / n, root / f"{n}annot") for n in names]
        return splits, len(CAMVID_CLASSES), CAMVID_IGNORE
    candidates = [d.name for d in sorted(root.iterdir()) if (d / "images").is_dir()]
    if (root / "images").is_dir() and (split is None or split not in candidates):
        names = _class_list(root)
        split_obj = _folder_split(root.name, root / "images", root / "masks")
        return [split_obj], len(names) if names else None, 255
    if candidates:
        names = _pick(candidates, split, root)
        classes = _class_list(root / names[0])
        splits = [_folder_split(n, root / n / "images", root / n / "masks") for n in names]
        return splits, len(classes) if classes else None, 255
    raise DataError(
        f"{root}: unknown segmentation layout; expected VOC (JPEGImages/, SegmentationClass/), "
        "CamVid (train/, trainannot/) or images/ + masks/"
    )


def _pick(available: list[str], split: str | None, root: Path) -> list[str]:
    if split is None:
        return available
    if split not in available:
        raise DataError(f"{root}: no split {split!r} (found {', '.join(available)})")
    return [split]


def _folder_split(name: str, image_dir: Path, mask_dir: Path) -> _Split:
    for folder, other in ((image_dir, mask_dir), (mask_dir, image_dir)):
        if not folder.is_dir():
            problem = f"{folder}: folder not found (needed for {other.name}/)"
            return _Split(name, [], image_dir, mask_dir, problem)
    notes: list[str] = []
    images = _by_stem(image_dir, IMAGE_SUFFIXES, notes)
    masks = _by_stem(mask_dir, MASK_SUFFIXES, notes)
    stems = sorted(set(images) | set(masks))
    pairs = [(s, images.get(s), masks.get(s)) for s in stems]
    return _Split(name, pairs, image_dir, mask_dir, notes=notes)


def _voc_splits(root: Path, split: str | None) -> list[_Split]:
    list_dir = root / "ImageSets" / "Segmentation"
    available = sorted(p.stem for p in list_dir.glob("*.txt")) if list_dir.is_dir() else []
    if not available:
        raise DataError(f"{list_dir}: no split lists (train.txt, val.txt)")
    splits = []
    for name in _pick(available, split, root):
        notes: list[str] = []
        stems = []
        for line in (list_dir / f"{name}.txt").read_text(errors="replace").splitlines():
            try:  # one line at a time, so that every refused id is named
                stems += list_stems_of(line, list_dir / f"{name}.txt")
            except DataError as err:
                notes.append(str(err))
        pairs = []
        for stem in stems:
            mask = root / "SegmentationClass" / f"{stem}.png"
            image = find_image(root / "JPEGImages", stem)
            pairs.append((stem, image, mask if mask.is_file() else None))
        folders = (root / "JPEGImages", root / "SegmentationClass")
        splits.append(_Split(name, pairs, *folders, notes=notes))
    return splits


def _by_stem(folder: Path, suffixes: tuple[str, ...], notes: list[str]) -> dict[str, Path]:
    found = {}
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in suffixes and not p.name.startswith("."):
            try:
                check_inside(folder.parent, p, str(folder))
            except DataError as err:
                notes.append(str(err))
                continue
            if p.is_dir():
                notes.append(f"{p}: is a folder, not an image")
            elif p.is_file():
                found[p.stem] = p
            else:
                notes.append(f"{p}: broken link, no such file")
    return found
