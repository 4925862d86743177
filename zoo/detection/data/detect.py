"""Read any supported detection dataset, guessing its format from the folder layout.

Formats: ``yolo`` (a ``data.yaml``), ``voc`` (``Annotations/`` or ``annotations/*.xml``),
``coco`` (``annotations/*.json``, or a ``.json`` file). Several roots are read one by one and
combined with the union of their classes.

Example:
    >>> ds = read_detection_dataset(["data/raccoon", "data/kangaroo"])  # doctest: +SKIP
    >>> ds.class_names  # doctest: +SKIP
    ['raccoon', 'kangaroo']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zoo.detection.data.coco import read_coco
from zoo.detection.data.combine import combine_datasets
from zoo.detection.data.problems import Problems
from zoo.detection.data.sample import DetectionDataset
from zoo.detection.data.voc import read_voc
from zoo.detection.data.yolo import find_data_yaml, read_yolo
from zoo.errors import DataError

READERS = {"voc": read_voc, "coco": read_coco, "yolo": read_yolo}


def detect_format(root: Path | str) -> str:
    """``"voc"``, ``"coco"`` or ``"yolo"`` for a dataset folder; :class:`DataError` otherwise.

    Example:
        >>> detect_format("data/coco128")  # doctest: +SKIP
        'coco'
    """
    root = Path(root)
    if not root.exists():
        raise DataError(f"{root}: dataset folder not found")
    if root.is_file():
        if root.suffix == ".json":
            return "coco"
        if root.suffix in (".yaml", ".yml"):
            return "yolo"
        raise DataError(f"{root}: not a dataset folder, .json (COCO) or .yaml (YOLO) file")
    if find_data_yaml(root) is not None:
        return "yolo"
    if (root / "Annotations").is_dir():
        return "voc"
    ann = root / "annotations"
    if ann.is_dir():
        if any(ann.glob("*.xml")):
            return "voc"
        if any(ann.glob("*.json")):
            return "coco"
    if any(root.glob("*/annotations/*.xml")):  # simple VOC layout split into sub-folders
        return "voc"
    raise DataError(
        f"{root}: unknown detection dataset layout (expected data.yaml for YOLO, "
        "annotations/*.xml or Annotations/ for VOC, annotations/*.json for COCO)"
    )


def read_detection_dataset(
    root: Path | str | Sequence[Path | str],
    split: str | None = None,
    class_names: list[str] | None = None,
    *,
    problems: Problems | None = None,
) -> DetectionDataset:
    """Read one dataset (format autodetected), or several combined into one.

    Example:
        >>> read_detection_dataset("data/coco128").num_classes  # doctest: +SKIP
        80
    """
    if isinstance(root, str | Path):
        fmt = detect_format(root)
        return READERS[fmt](root, split, class_names, problems=problems)
    roots = list(root)
    if not roots:
        raise DataError("no dataset folder given")
    if len(roots) == 1:
        return read_detection_dataset(roots[0], split, class_names, problems=problems)
    parts = [read_detection_dataset(r, split, problems=problems) for r in roots]
    return combine_datasets(parts, class_names)
