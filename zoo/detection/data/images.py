"""Detection's image helpers: finding an annotation's image file.

Decoding and sizes come from the one reader of zoo, :mod:`zoo.data.images` (EXIF orientation
applied, partially written files decoded with a warning, non-images named).

Example:
    >>> from pathlib import Path
    >>> find_image(Path("images"), "raccoon-1.jpg")  # doctest: +SKIP
    PosixPath('images/raccoon-1.jpg')
"""

from __future__ import annotations

from pathlib import Path

from zoo.data.images import IMAGE_SUFFIXES, image_size, read_image

IMAGE_EXTENSIONS = IMAGE_SUFFIXES
__all__ = ["IMAGE_EXTENSIONS", "find_image", "image_size", "read_image"]


def find_image(folder: Path, name: str, stem: str | None = None) -> Path | None:
    """The image ``folder/name``, else one with the same stem and an image extension.

    Example:
        >>> find_image(Path("images"), "raccoon-1.jpg")  # doctest: +SKIP
        PosixPath('images/raccoon-1.jpg')
    """
    if name:
        direct = folder / name
        if direct.is_file():
            return direct
        direct = folder / Path(name).name
        if direct.is_file():
            return direct
    for s in dict.fromkeys(x for x in (Path(name).stem if name else None, stem) if x):
        for ext in IMAGE_EXTENSIONS:
            for candidate in (folder / f"{s}{ext}", folder / f"{s}{ext.upper()}"):
                if candidate.is_file():
                    return candidate
    return None
