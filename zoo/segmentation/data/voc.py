"""Read Pascal VOC 2012 segmentation (``JPEGImages/``, ``SegmentationClass/``, split lists).

Example:
    >>> ds = read_voc_segmentation("VOCdevkit/VOC2012", "val")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from zoo.errors import DataError
from zoo.segmentation.data.dataset import (
    VOC_CLASSES,
    VOC_IGNORE,
    SegmentationDataset,
    list_stems,
    listed_pairs,
)


def read_voc_segmentation(root: str | Path, split: str = "train") -> SegmentationDataset:
    """Read Pascal VOC 2012 segmentation: ``JPEGImages/``, ``SegmentationClass/`` palette PNGs
    and ``ImageSets/Segmentation/{split}.txt``; 255 is void.

    ``root`` may be the ``VOC2012`` folder or a folder above it (``VOCdevkit/VOC2012``).

    Example:
        >>> ds = read_voc_segmentation("VOCdevkit/VOC2012", "val")  # doctest: +SKIP
        >>> len(ds), ds.num_classes  # doctest: +SKIP
        (1449, 21)
    """
    found = find_voc_root(Path(root))
    if found is None:
        raise DataError(f"{root}: no JPEGImages/ and SegmentationClass/ (not a VOC folder)")
    root = found
    list_file = root / "ImageSets" / "Segmentation" / f"{split}.txt"
    if not list_file.is_file():
        raise DataError(f"{list_file}: split list not found")
    stems = list_stems(list_file)
    images, masks = listed_pairs(
        root / "JPEGImages", root / "SegmentationClass", ".png", stems, f" (listed in {list_file})"
    )
    return SegmentationDataset(images, masks, list(VOC_CLASSES), VOC_IGNORE, "voc", stems)


def find_voc_root(root: Path) -> Path | None:
    """The VOC 2012 folder at ``root``, ``root/VOC2012`` or ``root/VOCdevkit/VOC2012``."""
    for candidate in (root, root / "VOC2012", root / "VOCdevkit" / "VOC2012"):
        if (candidate / "JPEGImages").is_dir() and (candidate / "SegmentationClass").is_dir():
            return candidate
    return None
