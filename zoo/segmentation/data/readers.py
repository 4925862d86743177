"""Read segmentation datasets (CamVid, Pascal VOC 2012, SBD, generic image + mask folders).

Every reader returns a :class:`SegmentationDataset`: paired image and mask paths, class names and
the ignore (void) label. Pairs are matched by file stem; an image without a mask or a mask without
an image raises :class:`zoo.errors.DataError` naming the stem.

Example:
    >>> ds = read_segmentation_dataset(data_root() / "camvid", "train")  # doctest: +SKIP
    >>> len(ds), ds.num_classes, ds.ignore_index  # doctest: +SKIP
    (367, 11, 11)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zoo.data.inside import check_inside
from zoo.errors import DataError
from zoo.segmentation.data.dataset import (  # noqa: F401  (the readers' names, as before)
    CAMVID_CLASSES,
    CAMVID_IGNORE,
    VOC_CLASSES,
    VOC_IGNORE,
    SegmentationDataset,
    find_image,
    list_stems,
    list_stems_of,
)
from zoo.segmentation.data.io import IMAGE_SUFFIXES, read_mask
from zoo.segmentation.data.sbd import find_sbd_root, read_sbd, read_voc_sbd
from zoo.segmentation.data.voc import find_voc_root, read_voc_segmentation

CLASS_LIST_FILES = ("classes.txt", "labels.txt")


def read_camvid(root: str | Path, split: str = "train") -> SegmentationDataset:
    """Read the CamVid layout: images in ``{split}/``, masks in ``{split}annot/`` (same stem).

    Labels are 0-10 for the 11 classes and 11 for void.

    Example:
        >>> ds = read_camvid(data_root() / "camvid", "val")  # doctest: +SKIP
        >>> len(ds)  # doctest: +SKIP
        101
    """
    root = Path(root)
    images, masks = _pair_folders(root / split, root / f"{split}annot", f"{root.name}/{split}")
    return SegmentationDataset(images, masks, list(CAMVID_CLASSES), CAMVID_IGNORE, "camvid")


def read_mask_folder(
    root: str | Path,
    images: str = "images",
    masks: str = "masks",
    class_names: Sequence[str] | None = None,
    ignore_index: int | None = 255,
) -> SegmentationDataset:
    """Read ``root/images/*`` with index masks ``root/masks/<stem>.png`` (values = class ids).

    Class names come from ``class_names``, else from ``classes.txt`` / ``labels.txt`` (one a line)
    in ``root`` or its parent, else ``class_0 .. class_{K-1}`` with K from the largest label seen.

    Example:
        >>> ds = read_mask_folder("my_data", class_names=["background", "crack"])  # doctest: +SKIP
    """
    root = Path(root)
    image_paths, mask_paths = _pair_folders(root / images, root / masks, str(root))
    names = list(class_names) if class_names is not None else _class_list(root)
    if names is None:
        names = [f"class_{i}" for i in range(_max_label(mask_paths, ignore_index) + 1)]
    return SegmentationDataset(image_paths, mask_paths, names, ignore_index, "mask_folder")


def read_segmentation_dataset(
    root: str | Path, split: str | None = "train", sbd_root: str | Path | None = None
) -> SegmentationDataset:
    """Detect the layout of ``root`` (VOC, SBD, CamVid, or image + mask folders), read ``split``.

    Mask folders are looked for in ``root/{split}/images`` + ``masks``, then ``root/images``.
    With ``sbd_root`` (SBD's ``benchmark_RELEASE``), ``root`` is VOC 2012 and the ``train_aug``
    split is VOC train + SBD minus VOC val (see :func:`zoo.segmentation.data.sbd.read_voc_sbd`).

    Example:
        >>> read_segmentation_dataset(data_root() / "camvid", "train").source  # doctest: +SKIP
        'camvid'
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: dataset folder not found")
    if sbd_root is not None:
        return read_voc_sbd(root, sbd_root, split or "train_aug")
    if find_voc_root(root) is not None:
        return read_voc_segmentation(root, split or "train")
    if split is not None and find_sbd_root(root) is not None:
        return read_sbd(root, split)
    if split is not None and (root / split).is_dir() and (root / f"{split}annot").is_dir():
        return read_camvid(root, split)
    if split is not None and (root / split / "images").is_dir():
        return read_mask_folder(root / split)
    if (root / "images").is_dir() and (root / "masks").is_dir():
        return read_mask_folder(root)
    raise DataError(
        f"{root}: unknown segmentation layout for split {split!r}; expected VOC "
        "(JPEGImages/, SegmentationClass/), CamVid ({split}/, {split}annot/) or images/ + masks/"
    )


def _pair_folders(image_dir: Path, mask_dir: Path, name: str) -> tuple[list[Path], list[Path]]:
    for folder in (image_dir, mask_dir):
        if not folder.is_dir():
            raise DataError(f"{folder}: folder not found")
    images = _by_stem(image_dir, IMAGE_SUFFIXES)
    masks = _by_stem(mask_dir, (".png", ".bmp", ".tif", ".tiff"))
    if not images:
        raise DataError(f"{image_dir}: no images")
    for stem in sorted(images):
        if stem not in masks:
            raise DataError(f"{name}: no mask for image {stem} in {mask_dir}")
    for stem in sorted(masks):
        if stem not in images:
            raise DataError(f"{name}: no image for mask {stem} in {image_dir}")
    stems = sorted(images)
    return [images[s] for s in stems], [masks[s] for s in stems]


def _by_stem(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith("."):
            check_inside(folder.parent, path, str(folder))
            if path.stem in found:
                raise DataError(f"{path}: two files share the stem {path.stem} in {folder}")
            found[path.stem] = path
    return found


def _class_list(root: Path) -> list[str] | None:
    for folder in (root, root.parent):
        for name in CLASS_LIST_FILES:
            if (folder / name).is_file():
                lines = (folder / name).read_text().splitlines()
                return [line.strip() for line in lines if line.strip()]
    return None


def _max_label(mask_paths: Sequence[Path], ignore_index: int | None) -> int:
    top = 0
    for path in mask_paths:
        mask = read_mask(path)
        values = mask[mask != ignore_index] if ignore_index is not None else mask
        if values.size:
            top = max(top, int(values.max()))
    return top
