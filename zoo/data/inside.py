"""Keep a dataset inside its folder: files it names resolve under its root, or are refused.

Annotation files name other files (``<filename>`` in VOC XML, ``file_name`` in COCO JSON, image
lists and folders in a YOLO ``data.yaml``, ids in split lists). A name that is absolute or that
climbs with ``..`` is refused with :class:`zoo.errors.DataError` naming the annotation that said
it. Symbolic links are followed wherever they point (a split folder linked in from another
disk, ``camvid/test -> /mnt/data/camvid/test``, reads as if it were there): a link says where
the folder's owner put the files, as in torchvision, ultralytics and tfds.

Example:
    >>> from pathlib import Path
    >>> resolve_inside(Path("data/raccoon/images"), "raccoon-1.jpg", "a.xml", Path("data/raccoon"))
    PosixPath('data/raccoon/images/raccoon-1.jpg')
    >>> resolve_inside(Path("data/raccoon/images"), "../../x.jpg", "a.xml")
    Traceback (most recent call last):
    zoo.errors.DataError: a.xml: '../../x.jpg' climbs out of data/raccoon/images with '..'; refused
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from zoo.errors import DataError

_DRIVE = re.compile(r"^[A-Za-z]:")


def resolve_inside(
    folder: Path, name: str | os.PathLike, where: str, root: Path | None = None
) -> Path:
    """``folder / name`` when ``name`` is relative, has no ``..`` and stays in ``root`` (default
    ``folder``); else :class:`DataError` naming ``where``."""
    raw = str(name)
    if "\x00" in raw:
        raise DataError(f"{where}: file name {raw!r} holds a NUL byte; refused")
    if raw.startswith(("/", "\\")) or _DRIVE.match(raw) or Path(raw).is_absolute():
        raise DataError(f"{where}: absolute path {raw!r} refused; name files relative to {folder}")
    if ".." in re.split(r"[\\/]", raw):
        raise DataError(f"{where}: {raw!r} climbs out of {folder} with '..'; refused")
    return check_inside(root or folder, folder / raw, where)


def check_inside(root: Path, path: Path, where: str) -> Path:
    """``path`` when, as written (links not resolved), it lies inside ``root``; else
    :class:`DataError`.

    Example:
        >>> check_inside(Path("data"), Path("data/a.jpg"), "list.txt")
        PosixPath('data/a.jpg')
    """
    real_root = os.path.normpath(os.path.abspath(root))
    real = os.path.normpath(os.path.abspath(path))
    if os.path.commonpath([real_root, real]) != real_root:
        raise DataError(f"{where}: {path} is outside the dataset folder {root}; refused")
    return path
