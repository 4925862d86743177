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
from dataclasses import dataclass, field
from pathlib import Path

from zoo.data.inside import check_inside
from zoo.errors import DataError
from zoo.segmentation.data.io import IMAGE_SUFFIXES, read_mask

CAMVID_CLASSES = (
    "Sky", "Building", "Pole", "Road", "Pavement", "Tree",
    "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist",
)  # fmt: skip
CAMVID_IGNORE = 11

VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
    "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)  # fmt: skip
VOC_IGNORE = 255

CLASS_LIST_FILES = ("classes.txt", "labels.txt")


@dataclass
class SegmentationDataset:
    """Paired image and mask files with their class names and ignore label.

    Example:
        >>> ds = SegmentationDataset([Path("a.jpg")], [Path("a.png")], ["bg", "fg"], 255)
        >>> len(ds), ds.num_classes
        (1, 2)
    """

    image_paths: list[Path]
    mask_paths: list[Path]
    class_names: list[str]
    ignore_index: int | None = None
    source: str = ""
    stems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.image_paths) != len(self.mask_paths):
            raise ValueError("image_paths and mask_paths differ in length")
        self.image_paths = [Path(p) for p in self.image_paths]
        self.mask_paths = [Path(p) for p in self.mask_paths]
        self.class_names = list(self.class_names)
        if not self.stems:
            self.stems = [p.stem for p in self.image_paths]

    def __len__(self) -> int:
        return len(self.image_paths)

    @property
    def num_classes(self) -> int:
        """Number of real classes (the ignore label not counted)."""
        return len(self.class_names)

    def subset(self, indices: Sequence[int]) -> SegmentationDataset:
        """Return a dataset holding only the pairs at ``indices`` (e.g. ``range(8)``)."""
        return SegmentationDataset(
            [self.image_paths[i] for i in indices], [self.mask_paths[i] for i in indices],
            self.class_names, self.ignore_index, self.source, [self.stems[i] for i in indices],
        )  # fmt: skip


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


def read_voc_segmentation(root: str | Path, split: str = "train") -> SegmentationDataset:
    """Read Pascal VOC 2012 segmentation: ``JPEGImages/``, ``SegmentationClass/`` palette PNGs
    and ``ImageSets/Segmentation/{split}.txt``; 255 is void.

    ``root`` may be the ``VOC2012`` folder or a folder above it (``VOCdevkit/VOC2012``).

    Example:
        >>> ds = read_voc_segmentation("VOCdevkit/VOC2012", "val")  # doctest: +SKIP
        >>> len(ds), ds.num_classes  # doctest: +SKIP
        (1449, 21)
    """
    found = _find_voc_root(Path(root))
    if found is None:
        raise DataError(f"{root}: no JPEGImages/ and SegmentationClass/ (not a VOC folder)")
    root = found
    list_file = root / "ImageSets" / "Segmentation" / f"{split}.txt"
    if not list_file.is_file():
        raise DataError(f"{list_file}: split list not found")
    stems = list_stems(list_file)
    images, masks = [], []
    for stem in stems:
        image = _find_image(root / "JPEGImages", stem)
        if image is None:
            raise DataError(f"{root / 'JPEGImages'}: no image for {stem} (listed in {list_file})")
        mask = root / "SegmentationClass" / f"{stem}.png"
        if not mask.is_file():
            raise DataError(f"{mask}: no mask for {stem} (listed in {list_file})")
        images.append(image)
        masks.append(mask)
    return SegmentationDataset(images, masks, list(VOC_CLASSES), VOC_IGNORE, "voc", stems)


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
        from zoo.segmentation.data.sbd import read_voc_sbd

        return read_voc_sbd(root, sbd_root, split or "train_aug")
    if _find_voc_root(root) is not None:
        return read_voc_segmentation(root, split or "train")
    from zoo.segmentation.data.sbd import find_sbd_root, read_sbd

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


def list_stems(list_file: Path) -> list[str]:
    """The ids of a split list (first word of each line); an id that is a path (``/``,
    ``\\``, ``..``) would name a file outside the dataset and is refused, naming the list.

    Example:
        >>> list_stems(Path("VOC2012/ImageSets/Segmentation/val.txt"))[:1]  # doctest: +SKIP
        ['2007_000033']
    """
    stems = []
    for number, line in enumerate(list_file.read_text(errors="replace").splitlines(), 1):
        stems += list_stems_of(line, Path(f"{list_file}:{number}"))
    return stems


def list_stems_of(line: str, where: Path | str) -> list[str]:
    """The id on one line of a split list (``[]`` for a blank line); a path is refused.

    Example:
        >>> list_stems_of("2007_000033 1", "val.txt:1")
        ['2007_000033']
    """
    if not line.strip():
        return []
    stem = line.split()[0]
    if "/" in stem or "\\" in stem or stem in (".", "..") or ":" in stem:
        raise DataError(
            f"{where}: {stem!r} is a path, not an image id; refused "
            "(ids name files inside the dataset folder)"
        )
    return [stem]


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


def _find_image(folder: Path, stem: str) -> Path | None:
    for suffix in (".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"):
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    return None


def _find_voc_root(root: Path) -> Path | None:
    for candidate in (root, root / "VOC2012", root / "VOCdevkit" / "VOC2012"):
        if (candidate / "JPEGImages").is_dir() and (candidate / "SegmentationClass").is_dir():
            return candidate
    return None


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
