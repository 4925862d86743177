"""Decode label masks (class indices), palette PNGs included; images come from
:func:`zoo.data.images.read_image`, the one image reader of zoo.

OpenCV expands palette PNGs to colours, losing the indices. :func:`read_mask` reads the PNG's
``PLTE`` chunk and maps each pixel's colour back to its palette index (first entry wins when a
palette repeats a colour, as padded palettes do with black).

Example:
    >>> image = read_image("camvid/train/0001TP_006690.jpg")  # doctest: +SKIP
    >>> mask = read_mask("camvid/trainannot/0001TP_006690.png")  # doctest: +SKIP
    >>> image.shape, mask.shape, mask.dtype  # doctest: +SKIP
    ((360, 480, 3), (360, 480), dtype('int32'))
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import cv2
import numpy as np

from zoo.data.images import IMAGE_SUFFIXES, read_image
from zoo.errors import DataError

log = logging.getLogger("zoo.segmentation.data")
_warned: set[str] = set()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
__all__ = [
    "IMAGE_SUFFIXES",
    "colours_to_indices",
    "png_palette",
    "read_image",
    "read_mask",
    "void_out_of_range",
]  # fmt: skip


def png_palette(data: bytes) -> np.ndarray | None:
    """Return the ``(N, 3)`` uint8 palette of a colour-type-3 PNG, else ``None``.

    Example:
        >>> png_palette(open("mask.png", "rb").read())  # doctest: +SKIP
        array([[  0,   0,   0], [128,   0,   0], ...], dtype=uint8)
    """
    if not data.startswith(PNG_SIGNATURE):
        return None
    pos, colour_type = len(PNG_SIGNATURE), None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR" and len(body) >= 10:
            colour_type = body[9]
        elif kind == b"PLTE":
            if colour_type != 3:
                return None
            return np.frombuffer(body[: len(body) // 3 * 3], np.uint8).reshape(-1, 3)
        elif kind in (b"IDAT", b"IEND"):
            return None
        pos += 12 + length
    return None


def read_mask(path: str | Path) -> np.ndarray:
    """Decode a label mask to ``int32`` class indices of shape ``(H, W)``.

    Accepts single-channel 8/16-bit PNGs, palette PNGs (indices recovered from the palette), and
    grey masks saved as three equal channels.

    Example:
        >>> read_mask("SegmentationClass/2007_000032.png").max()  # doctest: +SKIP
        255
    """
    data = _read_bytes(path)
    palette = png_palette(data)
    flag = cv2.IMREAD_COLOR if palette is not None else cv2.IMREAD_UNCHANGED
    mask = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if mask is None:
        raise DataError(f"{path}: not a readable mask image")
    if palette is not None:
        return _colours_to_indices(cv2.cvtColor(mask, cv2.COLOR_BGR2RGB), palette, path)
    if mask.ndim == 3:
        if mask.shape[2] == 4:
            mask = mask[..., :3]
        if mask.shape[2] != 1 and not (
            np.array_equal(mask[..., 0], mask[..., 1])
            and np.array_equal(mask[..., 0], mask[..., 2])
        ):
            raise DataError(f"{path}: colour mask without a palette; expected class indices")
        mask = mask[..., 0]
    return mask.astype(np.int32)


def void_out_of_range(
    mask: np.ndarray, num_classes: int, ignore_index: int | None, path: str | Path = "mask"
) -> np.ndarray:
    """``mask`` with labels outside ``0..num_classes-1`` (other than ``ignore_index``) set to
    void, and a warning naming ``path``; training and evaluation both treat them so.

    Example:
        >>> void_out_of_range(np.array([[0, 7]]), 2, 255, "m.png").tolist()
        [[0, 255]]
    """
    bad = (mask < 0) | (mask >= num_classes)
    if ignore_index is not None:
        bad &= mask != ignore_index
    if not bad.any():
        return mask
    values = [int(v) for v in np.unique(mask[bad])[:5]]
    void = ignore_index if ignore_index is not None else -1
    if str(path) not in _warned:  # once per file, not once per epoch
        _warned.add(str(path))
        log.warning(
            f"{path}: {int(bad.sum())} pixel(s) with labels {values} outside the classes "
            f"0..{num_classes - 1}; treated as void"
        )
    return np.where(bad, void, mask).astype(mask.dtype if void >= 0 else np.int32)


def colours_to_indices(
    rgb: np.ndarray, palette: np.ndarray, path: str | Path = "mask"
) -> np.ndarray:
    """Map an RGB mask ``(H, W, 3)`` to indices of ``palette`` ``(N, 3)``; unknown colours raise.

    Example:
        >>> colours_to_indices(np.zeros((2, 2, 3), np.uint8), np.zeros((1, 3), np.uint8))
        array([[0, 0],
               [0, 0]], dtype=int32)
    """
    return _colours_to_indices(rgb, palette, path)


def _colours_to_indices(rgb: np.ndarray, palette: np.ndarray, path: str | Path) -> np.ndarray:
    keys = _pack(palette.astype(np.int64))
    order = np.argsort(keys, kind="stable")  # equal colours keep index order: first entry wins
    sorted_keys = keys[order]
    colours, inverse = np.unique(_pack(rgb.astype(np.int64)), return_inverse=True)
    pos = np.minimum(np.searchsorted(sorted_keys, colours), len(keys) - 1)
    missing = sorted_keys[pos] != colours
    if missing.any():
        c = int(colours[missing][0])
        raise DataError(
            f"{path}: colour {(c >> 16, (c >> 8) & 255, c & 255)} is not in the palette"
        )
    return order[pos].astype(np.int32)[inverse.reshape(rgb.shape[:2])]


def _pack(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def _read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
