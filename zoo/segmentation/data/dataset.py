"""What every segmentation reader returns (:class:`SegmentationDataset`), the class lists of the
known datasets, and the split-list helpers the VOC and SBD readers share.

Example:
    >>> ds = SegmentationDataset([Path("a.jpg")], [Path("a.png")], ["bg", "fg"], 255)
    >>> len(ds), ds.num_classes
    (1, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zoo.errors import DataError

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


def find_image(folder: Path, stem: str) -> Path | None:
    """``folder/<stem>.jpg`` (or .jpeg, .png, any case of those), else None."""
    for suffix in (".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"):
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    return None


def listed_pairs(
    image_dir: Path, mask_dir: Path, mask_suffix: str, stems: list[str], said: str = ""
) -> tuple[list[Path], list[Path]]:
    """The image (any of the usual suffixes) and ``<stem><mask_suffix>`` mask of each listed
    stem; a missing one raises :class:`DataError` naming it (and ``said``, e.g. the list).

    Example:
        >>> listed_pairs(Path("VOC2012/JPEGImages"), Path("VOC2012/SegmentationClass"), ".png",
        ...              ["2007_000033"])  # doctest: +SKIP
    """
    images, masks = [], []
    for stem in stems:
        image = find_image(image_dir, stem)
        if image is None:
            raise DataError(f"{image_dir}: no image for {stem}{said}")
        mask = mask_dir / f"{stem}{mask_suffix}"
        if not mask.is_file():
            raise DataError(f"{mask}: no mask for {stem}{said}")
        images.append(image)
        masks.append(mask)
    return images, masks
