"""YOLO txt datasets described by an ultralytics ``data.yaml``.

``data.yaml`` (or the only ``*.yaml`` in ``root``; ``root`` may also be the file) holds
``path:`` (optional base folder, relative to the yaml), ``train:``/``val:``/``test:`` (an image
folder, a ``.txt`` list of images, or a list of those) and ``names:`` (list or ``{id: name}``).
Each image ``.../images/x.jpg`` has its labels in ``.../labels/x.txt``: one ``class cx cy w h``
line per box, normalised to [0, 1] (a polygon line ``class x1 y1 x2 y2 ...`` gives its
bounding box). A missing label file means no boxes. Without ``split`` all splits are read.
Every folder, list and image the yaml names must lie inside the yaml's folder: absolute
paths, ``..`` and links out of it are refused (a list line or image: named and skipped).

Example:
    >>> ds = read_yolo("data/mydata", split="val")  # doctest: +SKIP
    >>> ds.class_names  # doctest: +SKIP
    ['raccoon', 'kangaroo']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from zoo.data.inside import check_inside, resolve_inside
from zoo.detection.data.images import IMAGE_EXTENSIONS, image_size
from zoo.detection.data.problems import Problems, clean_boxes
from zoo.detection.data.sample import DetectionDataset, DetectionSample
from zoo.errors import DataError

SPLITS = ("train", "val", "test")


def find_data_yaml(root: Path) -> Path | None:
    """``root`` itself if a yaml file, ``root/data.yaml``, or the only ``root/*.yaml``."""
    if root.is_file() and root.suffix in (".yaml", ".yml"):
        return root
    for name in ("data.yaml", "data.yml"):
        if (root / name).is_file():
            return root / name
    found = sorted([*root.glob("*.yaml"), *root.glob("*.yml")]) if root.is_dir() else []
    return found[0] if len(found) == 1 else None


def load_yaml(path: Path) -> dict[str, Any]:
    """The mapping a ``data.yaml`` holds (PyYAML's ``safe_load``).

    Raises :class:`DataError` naming the file when it cannot be read or parsed, or does not
    hold a mapping.

    Example:
        >>> load_yaml(Path("data.yaml"))["names"]  # doctest: +SKIP
        ['raccoon', 'kangaroo']
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise DataError(f"{path}: not valid YAML ({message})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a YAML mapping of keys (train:, val:, names:)")
    return data


def label_path(image: Path) -> Path:
    """``.../images/a/x.jpg`` -> ``.../labels/a/x.txt`` (last ``images`` folder swapped)."""
    text = str(image)
    marker = f"{os.sep}images{os.sep}"
    if marker in text:
        head, tail = text.rsplit(marker, 1)
        text = f"{head}{os.sep}labels{os.sep}{tail}"
    return Path(text).with_suffix(".txt")


def _names(cfg: dict[str, Any], yaml_path: Path) -> list[str]:
    names = cfg.get("names")
    if isinstance(names, dict):
        try:
            keys = sorted(int(k) for k in names)
        except (TypeError, ValueError):
            raise DataError(f"{yaml_path}: names: keys must be class ids 0..n-1") from None
        if keys != list(range(len(keys))):
            raise DataError(f"{yaml_path}: names: ids must be 0..{len(keys) - 1}, got {keys}")
        by_id = {int(k): v for k, v in names.items()}
        return [str(by_id[i]) for i in keys]
    if isinstance(names, list) and names:
        return [str(n) for n in names]
    if isinstance(cfg.get("nc"), int):
        return [str(i) for i in range(cfg["nc"])]
    raise DataError(f"{yaml_path}: no 'names:' list of classes")


def _images_of(
    entry: Any, base: Path, yaml_path: Path, split: str, root: Path, problems: Problems
) -> list[Path]:
    """Images of one split entry; every path must stay inside ``root`` (the yaml's folder)."""
    items = entry if isinstance(entry, list) else [entry]
    images: list[Path] = []
    for item in items:
        p = resolve_inside(base, str(item), f"{yaml_path}: {split}", root)
        if p.is_dir():
            for q in sorted(p.rglob("*")):
                if q.suffix.lower() in IMAGE_EXTENSIONS and q.is_file():
                    try:
                        images.append(check_inside(root, q, f"{yaml_path}: {split}"))
                    except DataError as e:
                        problems.error(str(e))
        elif p.is_file() and p.suffix == ".txt":
            for number, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
                line = line.strip()
                if line:
                    try:
                        images.append(resolve_inside(p.parent, line, f"{p}:{number}", root))
                    except DataError as e:
                        problems.error(str(e))
        else:
            raise DataError(f"{yaml_path}: {split}: {item} not found (looked for {p})")
    return images


def _read_labels(
    txt: Path, width: int, height: int, n_classes: int, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    boxes, labels = [], []
    for lineno, line in enumerate(txt.read_text(errors="replace").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            numbers = [float(v) for v in parts]
        except ValueError:
            problems.error(f"{txt}: line {lineno}: not numbers: {line.strip()[:80]!r}")
            continue
        if not np.isfinite(numbers).all() or numbers[0] != int(numbers[0]):
            problems.error(f"{txt}: line {lineno}: infinite, NaN or fractional class id")
            continue
        cls, values = int(numbers[0]), numbers[1:]
        if len(values) == 4:
            cx, cy, w, h = values
            box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]
        elif len(values) >= 6 and len(values) % 2 == 0:
            xs, ys = values[0::2], values[1::2]
            box = [min(xs), min(ys), max(xs), max(ys)]
        else:
            got = len(parts)
            problems.error(f"{txt}: line {lineno}: expected 'class cx cy w h', got {got} values")
            continue
        if not 0 <= cls < n_classes:
            problems.error(f"{txt}: line {lineno}: unknown class id {cls} (names has {n_classes})")
            continue
        boxes.append([box[0] * width, box[1] * height, box[2] * width, box[3] * height])
        labels.append(cls)
    return np.array(boxes, np.float32).reshape(-1, 4), np.array(labels, np.int64)


def read_yolo(
    root: Path | str,
    split: str | None = None,
    class_names: list[str] | None = None,
    *,
    problems: Problems | None = None,
) -> DetectionDataset:
    """Read a YOLO txt dataset (ultralytics layout with ``data.yaml``).

    ``class_names`` fixes the label order by name (a yaml name outside it is an error).

    Example:
        >>> read_yolo("datasets/coco8/data.yaml", split="train").num_classes  # doctest: +SKIP
        80
    """
    root = Path(root)
    problems = problems or Problems(strict=True)
    yaml_path = find_data_yaml(root)
    if yaml_path is None:
        raise DataError(f"{root}: no data.yaml (not a YOLO dataset)")
    cfg = load_yaml(yaml_path)
    yaml_names = _names(cfg, yaml_path)
    base = inside_root = yaml_path.parent
    if cfg.get("path"):
        p = Path(str(cfg["path"]))
        p = p if p.is_absolute() else base / p
        if p.is_dir():  # a base folder that does not exist here is ignored, as before
            base = check_inside(inside_root, p, f"{yaml_path}: path")
    splits = [split] if split is not None else [s for s in SPLITS if cfg.get(s)]
    if split is not None and not cfg.get(split):
        has = ", ".join(k for k in SPLITS if cfg.get(k))
        raise DataError(f"{yaml_path}: no split {split!r} (has {has})")
    images = list(
        dict.fromkeys(
            q for s in splits for q in _images_of(cfg[s], base, yaml_path, s, inside_root, problems)
        )
    )

    names = list(class_names) if class_names else yaml_names
    remap = np.full(len(yaml_names), -1, np.int64)
    for i, n in enumerate(yaml_names):
        if n in names:
            remap[i] = names.index(n)
        else:
            problems.error(f"{yaml_path}: unknown class {n!r} (classes: {', '.join(names)})")
    samples = []
    for image in images:
        txt = label_path(image)
        if not image.is_file():
            problems.error(f"{txt}: image {image} not found")
            continue
        try:
            width, height = image_size(image, decode=not problems.strict)
        except DataError as e:
            problems.error(str(e))
            continue
        try:
            check_inside(inside_root, txt, str(txt))
        except DataError as e:
            problems.error(str(e))
            continue
        if txt.is_file():
            boxes, labels = _read_labels(txt, width, height, len(yaml_names), problems)
        else:
            boxes, labels = np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
        labels = remap[labels]
        known = labels >= 0
        boxes, labels = boxes[known], labels[known]
        box_names = [names[i] for i in labels]
        keep = clean_boxes(boxes, width, height, str(txt), box_names, problems)
        samples.append(DetectionSample(image, width, height, boxes[keep], labels[keep]))
    if not problems.strict:
        _report_orphans(images, problems)
    return DetectionDataset(names, samples, root, list(problems.warnings))


def _report_orphans(images: list[Path], problems: Problems) -> None:
    """Label files whose image is missing (checked only when collecting problems)."""
    expected = {label_path(i) for i in images}
    for folder in sorted({t.parent for t in expected}):
        if folder.is_dir():
            for txt in sorted(folder.glob("*.txt")):
                if txt not in expected:
                    problems.error(f"{txt}: no image for this label file")
