"""The Semantic Boundaries Dataset (SBD, Hariharan et al. 2011) and its union with Pascal VOC 2012.

SBD (``benchmark.tgz``, unpacked as ``benchmark_RELEASE/dataset``) holds ``img/<stem>.jpg``,
``cls/<stem>.mat`` (a MATLAB struct ``GTcls`` whose ``Segmentation`` field is the class-index
mask, 0 = background, 1-20 = the VOC classes) and the split lists ``train.txt`` / ``val.txt``.

The FCN paper trains on *train_aug*: VOC 2012 ``train`` plus every SBD image (train and val)
that is not in VOC 2012 ``val``, and validates on VOC 2012 ``val`` (10582 / 1449 images).
Where an image is in both, VOC's mask wins (finer, with void borders).

``.mat`` masks are converted once to single-channel index PNGs (``<dataset>/cls_png/``, or under
the zoo cache when the dataset folder is read-only), so every tool that reads masks (the loader,
``zoo eval``, ``zoo data check``) handles them like any other PNG mask. Needs ``scipy``.

Example:
    >>> ds = read_voc_sbd("VOCdevkit/VOC2012", "benchmark_RELEASE", "train_aug")  # doctest: +SKIP
    >>> len(ds), ds.num_classes, ds.ignore_index  # doctest: +SKIP
    (10582, 21, 255)
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from zoo.errors import DataError
from zoo.segmentation.data.dataset import (
    VOC_CLASSES,
    VOC_IGNORE,
    SegmentationDataset,
    list_stems,
    listed_pairs,
)
from zoo.segmentation.data.voc import find_voc_root, read_voc_segmentation

TRAIN_AUG = "train_aug"
SBD_SPLITS = ("train", "val")


def find_sbd_root(root: str | Path) -> Path | None:
    """The SBD ``dataset`` folder at or below ``root`` (``img/`` and ``cls/``), else ``None``.

    Example:
        >>> find_sbd_root("benchmark_RELEASE")  # doctest: +SKIP
        PosixPath('benchmark_RELEASE/dataset')
    """
    root = Path(root)
    for candidate in (root, root / "dataset", root / "benchmark_RELEASE" / "dataset"):
        if (candidate / "img").is_dir() and (candidate / "cls").is_dir():
            return candidate
    return None


def read_sbd_mat(path: str | Path) -> np.ndarray:
    """Read the class-index mask ``GTcls.Segmentation`` of an SBD ``cls/*.mat`` file as int32.

    Example:
        >>> read_sbd_mat("benchmark_RELEASE/dataset/cls/2008_000002.mat").shape  # doctest: +SKIP
        (375, 500)
    """
    try:
        import scipy.io
    except ImportError:
        raise DataError(f"{path}: reading SBD .mat masks needs scipy (pip install scipy)") from None
    try:
        content = scipy.io.loadmat(
            str(path), variable_names=["GTcls"], squeeze_me=True, struct_as_record=False
        )
    except Exception as exc:  # scipy raises MatReadError, ValueError, OSError ...
        raise DataError(f"{path}: not a readable .mat file ({exc})") from None
    gt = content.get("GTcls")
    mask = getattr(gt, "Segmentation", None)
    if mask is None:
        raise DataError(f"{path}: no GTcls.Segmentation (not an SBD cls/*.mat file)")
    mask = np.asarray(mask)
    if mask.ndim != 2 or not np.issubdtype(mask.dtype, np.integer):
        raise DataError(f"{path}: GTcls.Segmentation is {mask.dtype} {mask.shape}, not a 2-D mask")
    return mask.astype(np.int32)


def sbd_png_dir(sbd_root: str | Path) -> Path:
    """Where converted masks go: ``<dataset>/cls_png``, or the zoo cache if that is read-only.

    Example:
        >>> sbd_png_dir("benchmark_RELEASE/dataset")  # doctest: +SKIP
        PosixPath('benchmark_RELEASE/dataset/cls_png')
    """
    dataset = Path(sbd_root)
    local = dataset / "cls_png"
    if (local.is_dir() and os.access(local, os.W_OK)) or os.access(dataset, os.W_OK):
        return local
    from zoo.weights import cache_dir

    key = hashlib.sha1(str(dataset.resolve()).encode()).hexdigest()[:12]
    return cache_dir() / "sbd" / key / "cls_png"


def convert_sbd_masks(
    mat_paths: Iterable[Path], out_dir: str | Path, verbose: bool = True
) -> list[Path]:
    """Write each ``.mat`` mask as ``out_dir/<stem>.png`` (uint8 indices) unless it is up to date.

    Returns the PNG paths in the order given. Files are written through a temporary name, so
    an interrupted conversion never leaves a half-written mask.

    Example:
        >>> convert_sbd_masks([Path("cls/2008_000002.mat")], "cls_png")  # doctest: +SKIP
        [PosixPath('cls_png/2008_000002.png')]
    """
    out_dir = Path(out_dir)
    mat_paths = [Path(p) for p in mat_paths]
    pngs = [out_dir / f"{p.stem}.png" for p in mat_paths]
    todo = [
        (mat, png)
        for mat, png in zip(mat_paths, pngs, strict=True)
        if not png.is_file() or png.stat().st_mtime < mat.stat().st_mtime
    ]
    if todo:
        out_dir.mkdir(parents=True, exist_ok=True)
        if verbose and len(todo) > 100:
            note = f"zoo: converting {len(todo)} SBD masks to PNG in {out_dir} (once)"
            print(note, file=sys.stderr)
    for mat, png in todo:
        mask = read_sbd_mat(mat)
        if mask.min() < 0 or mask.max() > 255:
            raise DataError(f"{mat}: labels {mask.min()}..{mask.max()} do not fit in 0..255")
        ok, data = cv2.imencode(".png", mask.astype(np.uint8))
        if not ok:
            raise DataError(f"{mat}: could not encode the mask as PNG")
        tmp = png.with_name(f".{png.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data.tobytes())
        os.replace(tmp, png)
    return pngs


def read_sbd(
    root: str | Path, split: str = "train", png_dir: str | Path | None = None
) -> SegmentationDataset:
    """Read an SBD split (``train`` or ``val``): ``img/*.jpg`` with masks converted to PNG.

    Example:
        >>> ds = read_sbd("benchmark_RELEASE", "train")  # doctest: +SKIP
        >>> len(ds), ds.source  # doctest: +SKIP
        (8498, 'sbd')
    """
    dataset = _require_sbd(root)
    stems = _split_stems(dataset / f"{split}.txt")
    images, mats = _sbd_pairs(dataset, stems)
    masks = convert_sbd_masks(mats, png_dir or sbd_png_dir(dataset))
    return SegmentationDataset(images, masks, list(VOC_CLASSES), VOC_IGNORE, "sbd", stems)


def read_voc_sbd(
    voc_root: str | Path,
    sbd_root: str | Path,
    split: str = TRAIN_AUG,
    png_dir: str | Path | None = None,
) -> SegmentationDataset:
    """VOC 2012 with SBD: ``train_aug`` is VOC ``train`` + SBD ``train``/``val`` minus VOC ``val``.

    Any other ``split`` (``val``, ``train``, ``trainval``) is VOC 2012's own list, so one recipe
    trains on ``train_aug`` and validates on ``val``. Images listed in both keep VOC's mask;
    no VOC ``val`` image ever enters ``train_aug``.

    Example:
        >>> voc, sbd = "VOCdevkit/VOC2012", "benchmark_RELEASE"
        >>> train = read_voc_sbd(voc, sbd, "train_aug")  # doctest: +SKIP
        >>> val = read_voc_sbd(voc, sbd, "val")  # doctest: +SKIP
        >>> set(train.stems) & set(val.stems)  # doctest: +SKIP
        set()
    """
    if split != TRAIN_AUG:
        return read_voc_segmentation(voc_root, split)
    voc_dir = find_voc_root(Path(voc_root))
    if voc_dir is None:
        raise DataError(f"{voc_root}: no JPEGImages/ and SegmentationClass/ (not a VOC folder)")
    dataset = _require_sbd(sbd_root)
    voc = read_voc_segmentation(voc_dir, "train")
    held_out = set(_split_stems(voc_dir / "ImageSets" / "Segmentation" / "val.txt"))
    taken = set(voc.stems) | held_out
    extra: list[str] = []
    for name in SBD_SPLITS:
        for stem in _split_stems(dataset / f"{name}.txt"):
            if stem not in taken:
                taken.add(stem)
                extra.append(stem)
    extra.sort()
    images, mats = _sbd_pairs(dataset, extra)
    masks = convert_sbd_masks(mats, png_dir or sbd_png_dir(dataset))
    return SegmentationDataset(
        [*voc.image_paths, *images],
        [*voc.mask_paths, *masks],
        list(VOC_CLASSES),
        VOC_IGNORE,
        "voc+sbd",
        [*voc.stems, *extra],
    )


def _require_sbd(root: str | Path) -> Path:
    dataset = find_sbd_root(root)
    if dataset is None:
        raise DataError(f"{root}: no img/ and cls/ folders (not an SBD benchmark_RELEASE/dataset)")
    return dataset


def _split_stems(list_file: Path) -> list[str]:
    if not list_file.is_file():
        raise DataError(f"{list_file}: split list not found")
    return list_stems(list_file)


def _sbd_pairs(dataset: Path, stems: list[str]) -> tuple[list[Path], list[Path]]:
    return listed_pairs(dataset / "img", dataset / "cls", ".mat", stems)
