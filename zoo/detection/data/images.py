"""Image files: their real size (fast, from the header) and loading them as RGB.

Sizes and pixels ignore any EXIF orientation tag: annotations (VOC, COCO, YOLO) refer to the
stored pixel grid, so :func:`read_image` loads with ``IMREAD_IGNORE_ORIENTATION`` and
:func:`image_size` reads the stored size.

Example:
    >>> from pathlib import Path
    >>> image_size(Path("photo.jpg"))  # doctest: +SKIP
    (640, 480)
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from zoo.errors import DataError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

# JPEG start-of-frame markers carrying the size (all SOFn except DHT, JPG and DAC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return (width, height) if width and height else None
        i += 2 + length
    return None


def _header_size(path: Path) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as f:
            head = f.read(64 * 1024)
            if head[:2] == b"\xff\xd8":
                size = _jpeg_size(head)
                if size is None:  # SOF beyond the first 64 KiB (large EXIF/ICC blocks)
                    size = _jpeg_size(head + f.read())
                return size
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return (width, height)
    return None


def image_size(path: Path | str, decode: bool = False) -> tuple[int, int]:
    """``(width, height)`` of an image file, from its header when possible.

    With ``decode=True`` the whole image is decoded (slower; also proves it is readable).
    Raises :class:`DataError` when the file is missing or unreadable.

    Example:
        >>> image_size("images/raccoon-1.jpg")  # doctest: +SKIP
        (650, 417)
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: image file not found")
    if not decode:
        size = _header_size(path)
        if size is not None:
            return size
    image = read_image(path)
    return image.shape[1], image.shape[0]


def read_image(path: Path | str) -> np.ndarray:
    """Load an image as an RGB ``uint8`` array ``(height, width, 3)``.

    Raises :class:`DataError` naming the file when it cannot be decoded.

    Example:
        >>> read_image("images/raccoon-1.jpg").shape  # doctest: +SKIP
        (417, 650, 3)
    """
    path = Path(path)
    flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    data = np.fromfile(path, dtype=np.uint8) if path.is_file() else None
    if data is None:
        raise DataError(f"{path}: image file not found")
    image = cv2.imdecode(data, flags) if data.size else None
    if image is None:
        raise DataError(f"{path}: unreadable image (not a decodable JPEG/PNG/BMP file)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


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
