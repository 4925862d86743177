"""The one image reader of zoo: every application (inference, training, evaluation, ``zoo data
check``) loads pictures through :func:`read_image`, and decoded arrays such as video frames go
through :func:`to_rgb`, so all of them see the same pixels.

What it does with awkward files:

- **Partially written JPEG/PNG** (a download cut short): what was written is decoded, the rest
  is left grey (JPEG) or black (PNG), and a warning names the file.
- **Any pixel format**: grayscale, palette, 16-bit, CMYK (Adobe-inverted too), multi-frame
  (first frame) become RGB ``uint8``; 16-bit values keep their high byte; an alpha channel is
  composited over white, as a viewer on a white page shows it.
- **EXIF orientation is applied**, everywhere: training, evaluation and inference see the
  picture upright as viewers show it, and :func:`image_size` gives that upright size.
  Annotations (VOC XML, COCO JSON, YOLO labels, masks) therefore refer to the upright image, as
  labelling tools that honour EXIF (CVAT, Labelme, Roboflow's auto-orient) write them.
- **Very large images**: the size is read from the header first; above
  ``ZOO_MAX_IMAGE_PIXELS`` (default 200 megapixels, which admits the photos of current 60-100
  MP cameras; ``zoo --max-image-pixels N`` sets it) the image is refused with one line, before
  any pixel is decoded, so a decompression bomb cannot exhaust memory. A caller that needs no
  more than ``reduce_to`` pixels on the short side (a detector's network input) has a large
  JPEG decoded at 1/2, 1/4 or 1/8 of its size by the JPEG decoder itself (OpenCV's
  ``IMREAD_REDUCED_COLOR_N``), which is several times faster and smaller in memory.
- **Bytes instead of a file** (an upload): ``read_image(name, data=...)`` decodes them with
  the same checks, ``name`` naming them in errors.
- **Not a picture** (missing, empty, a folder, text or HTML saved as ``.jpg``, unknown format):
  :class:`zoo.errors.DataError` with one line naming the file and saying what it is.

Example:
    >>> image = read_image("kangaroo/images/00021.jpg")  # doctest: +SKIP
    >>> image.shape, image.dtype  # doctest: +SKIP
    ((427, 640, 3), dtype('uint8'))
"""

from __future__ import annotations

import io
import logging
import os
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from zoo.errors import DataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif")
MAX_PIXELS_ENV = "ZOO_MAX_IMAGE_PIXELS"
DEFAULT_MAX_PIXELS = 200_000_000
EXIF_ORIENTATION = 0x0112
_TRANSPOSED = (5, 6, 7, 8)  # orientations that swap width and height
_BACKGROUND = 255  # alpha is composited over white

log = logging.getLogger("zoo.data.images")
_truncated_lock = threading.Lock()
# zoo checks the size against max_image_pixels() itself, before decoding; Pillow's own
# decompression-bomb check would otherwise refuse (at 2x 89 MP) what the user allowed.
Image.MAX_IMAGE_PIXELS = None


def is_image_name(path: str | os.PathLike) -> bool:
    """Whether ``path`` has an image extension (any case).

    Example:
        >>> is_image_name("IMG_0001.JPG"), is_image_name("notes.txt")
        (True, False)
    """
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def max_image_pixels() -> int:
    """The largest image (width x height) zoo decodes: ``$ZOO_MAX_IMAGE_PIXELS`` or 200 M.

    Example:
        >>> max_image_pixels() >= 1
        True
    """
    raw = os.environ.get(MAX_PIXELS_ENV, "").strip().replace("_", "")
    if not raw:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(float(raw))
    except ValueError:
        raise DataError(f"{MAX_PIXELS_ENV}={raw!r}: not a number of pixels") from None
    if value < 1:
        raise DataError(f"{MAX_PIXELS_ENV}={raw!r}: must be at least 1")
    return value


def image_size(
    path: str | os.PathLike, decode: bool = False, data: bytes | None = None
) -> tuple[int, int]:
    """``(width, height)`` of an image file as zoo decodes it (EXIF orientation applied).

    Read from the header; ``decode=True`` decodes the whole image (slower; proves it is
    readable). Raises :class:`DataError` naming the file when it is not a readable image.

    Example:
        >>> image_size("raccoon/images/raccoon-1.jpg")  # doctest: +SKIP
        (650, 417)
    """
    if decode:
        image = read_image(path, data=data)
        return image.shape[1], image.shape[0]
    path = Path(path)
    with _open(path, data) as im:
        return _upright_size(im)


def read_image(
    path: str | os.PathLike,
    max_pixels: int | None = None,
    reduce_to: int | None = None,
    data: bytes | None = None,
) -> np.ndarray:
    """Decode an image file to an upright RGB ``uint8`` array ``(height, width, 3)``.

    ``max_pixels`` defaults to :func:`max_image_pixels`. Raises :class:`DataError` with one
    line naming the file when it cannot be used; a partially written file is decoded with a
    warning. ``reduce_to``: a JPEG whose short side is at least twice that is decoded at
    1/2, 1/4 or 1/8 of its size, keeping the short side at ``reduce_to`` or more.
    ``data``: the file's bytes (``path`` then only names them in errors).

    Example:
        >>> read_image("raccoon/images/raccoon-1.jpg").shape  # doctest: +SKIP
        (417, 650, 3)
    """
    path = Path(path)
    limit = max_image_pixels() if max_pixels is None else max_pixels
    with _open(path, data) as im:
        width, height = im.size
        if width * height > limit:
            raise DataError(
                f"{path}: {width}x{height} image is {width * height / 1e6:.1f} megapixels, over "
                f"the limit of {limit / 1e6:g}; raise it with {MAX_PIXELS_ENV}=N or "
                "'zoo --max-image-pixels N'"
            )
        factor = reduction(min(width, height), reduce_to) if im.format == "JPEG" else 1
        if factor > 1:
            reduced = _read_reduced(path, data, factor)
            if reduced is not None:
                return reduced
        im = _load(im, path, data)
        try:
            im = ImageOps.exif_transpose(im)
        except Exception:  # a malformed EXIF block: keep the stored orientation
            log.warning(f"{path}: unreadable EXIF orientation; image left as stored")
        try:
            return _pil_to_rgb(im, path)
        except DataError:
            raise
        except Exception as err:  # a pixel layout Pillow opened but cannot convert
            raise DataError(f"{path}: unreadable image (mode {im.mode}: {err})") from None


@contextmanager
def image_warnings():
    """Collect the reader's warnings (partially written files...) as lines instead of printing
    them, for checks that list every problem.

    Example:
        >>> with image_warnings() as lines:
        ...     image = read_image("cut.jpg")  # doctest: +SKIP
        >>> lines  # doctest: +SKIP
        ['cut.jpg: partially written JPEG file; decoded what is there']
    """
    lines: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler, propagate = _Collect(), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield lines
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


def to_rgb(array: np.ndarray, order: str = "BGR", source: str = "frame") -> np.ndarray:
    """An already decoded picture (an OpenCV video frame, a numpy array) as RGB ``uint8``.

    ``order`` is the channel order of 3/4-channel input (``"BGR"`` for OpenCV, ``"RGB"``);
    grayscale ``(H, W)`` / ``(H, W, 1)``, alpha, 16-bit and float (0..1) input are converted
    as :func:`read_image` converts files. ``source`` names the input in errors.

    Example:
        >>> to_rgb(np.zeros((2, 3, 4), np.uint16)).shape
        (2, 3, 3)
    """
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or a.size == 0 or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise DataError(f"{source}: array of shape {a.shape} is not a picture")
    a = _to_uint8(a, source)
    if a.ndim == 2:
        return np.repeat(a[..., None], 3, axis=2)
    if order.upper() == "BGR":
        a = a[..., [2, 1, 0, 3][: a.shape[2]]]
    elif order.upper() != "RGB":
        raise ValueError(f"order must be 'BGR' or 'RGB', not {order!r}")
    if a.shape[2] == 4:
        return _composite(a)
    return np.ascontiguousarray(a)


def reduction(short_side: int, reduce_to: int | None) -> int:
    """The JPEG decoder's scale-down factor (1, 2, 4 or 8) that keeps ``short_side`` at
    ``reduce_to`` pixels or more (1 when ``reduce_to`` is None).

    Example:
        >>> reduction(7000, 640), reduction(480, 640), reduction(1500, 640)
        (8, 1, 2)
    """
    if not reduce_to:
        return 1
    return next((f for f in (8, 4, 2) if short_side // f >= reduce_to), 1)


_REDUCED_FLAGS = {
    2: "IMREAD_REDUCED_COLOR_2",
    4: "IMREAD_REDUCED_COLOR_4",
    8: "IMREAD_REDUCED_COLOR_8",
}


def _read_reduced(path: Path, data: bytes | None, factor: int) -> np.ndarray | None:
    """A JPEG decoded at 1/``factor`` by OpenCV (EXIF orientation applied), or None when
    OpenCV cannot decode it (the full reader then names the problem)."""
    import cv2

    flag = getattr(cv2, _REDUCED_FLAGS[factor])
    raw = np.frombuffer(data if data is not None else path.read_bytes(), np.uint8)
    bgr = cv2.imdecode(raw, flag)
    if bgr is None or bgr.ndim != 3:
        return None
    return np.ascontiguousarray(bgr[..., ::-1])


def _open(path: Path, data: bytes | None = None) -> Image.Image:
    if data is not None:
        if not data:
            raise DataError(f"{path}: unreadable image: empty file (0 bytes)")
        return _open_stream(path, io.BytesIO(data), lambda: _describe(data[:512]))
    if "\x00" in str(path):
        raise DataError(f"{path!s:.200}: file name holds a NUL byte")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not an image")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError(f"{path}: image file not found") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
    if size == 0:
        raise DataError(f"{path}: unreadable image: empty file (0 bytes)")
    return _open_stream(path, path, lambda: _what_it_is(path))


def _open_stream(path: Path, source, what_it_is) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Image.open(source)
    except UnidentifiedImageError:
        raise DataError(f"{path}: unreadable image: the file is {what_it_is()}") from None
    except OSError as err:
        if err.errno is not None:  # the file system's refusal (permissions, I/O error)
            raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
        raise DataError(f"{path}: unreadable image (corrupt header: {err})") from None
    except Exception as err:  # a header Pillow cannot parse
        raise DataError(f"{path}: unreadable image (corrupt header: {err})") from None


def _what_it_is(path: Path) -> str:
    with open(path, "rb") as f:
        return _describe(f.read(512))


def _describe(head: bytes) -> str:
    """What a file that is not a picture is, from its first bytes."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "an XML/SVG text file"
    try:
        head.decode("utf-8")
        printable = all(c >= 32 or c in (9, 10, 13) for c in head)
    except UnicodeDecodeError:
        printable = False
    if printable:
        return "a text file"
    return f"an unknown file format (starts with {head[:8].hex(' ')})"


def _load(im: Image.Image, path: Path, data: bytes | None = None) -> Image.Image:
    try:
        im.load()
        return im
    except OSError as err:
        if "truncated" not in str(err) and "broken data stream" not in str(err):
            raise DataError(f"{path}: unreadable image (corrupt data: {err})") from None
    except Exception as err:
        raise DataError(f"{path}: unreadable image (corrupt data: {err})") from None
    with _truncated_lock:  # Pillow's switch is global: on only while this file decodes
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            reopened = Image.open(path if data is None else io.BytesIO(data))
            reopened.load()
        except Exception as err:
            raise DataError(f"{path}: unreadable image (nothing decodable: {err})") from None
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = False
    log.warning(f"{path}: partially written {im.format or 'image'} file; decoded what is there")
    return reopened


def _upright_size(im: Image.Image) -> tuple[int, int]:
    width, height = im.size
    try:
        orientation = im.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:
        orientation = 1
    return (height, width) if orientation in _TRANSPOSED else (width, height)


def _pil_to_rgb(im: Image.Image, path: Path) -> np.ndarray:
    mode = im.mode
    if mode == "RGB":
        return np.asarray(im, dtype=np.uint8).copy()
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in im.info):
        return _composite(np.asarray(im.convert("RGBA"), dtype=np.uint8))
    if mode in ("L", "P", "1", "CMYK", "YCbCr", "LAB", "HSV"):
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
    # 16/32-bit integer and float modes ("I;16", "I;16B", "I", "F", ...)
    return to_rgb(np.asarray(im), "RGB", str(path))


def _to_uint8(a: np.ndarray, source: str) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    if np.issubdtype(a.dtype, np.floating):
        a = np.nan_to_num(a.astype(np.float64), nan=0.0)
        scale = 255.0 if a.max(initial=0) <= 1.0 else 1.0
        return np.clip(np.rint(a * scale), 0, 255).astype(np.uint8)
    if np.issubdtype(a.dtype, np.integer):
        top = int(a.max(initial=0))
        if top <= 255 and a.dtype.itemsize == 1:
            return a.astype(np.uint8)
        a = np.clip(a.astype(np.int64), 0, 65535)  # 16-bit range: keep the high byte
        return (a >> 8).astype(np.uint8)
    raise DataError(f"{source}: pixels of type {a.dtype} are not a picture")


def _composite(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.uint16)
    rgb = rgba[..., :3].astype(np.uint16)
    out = (rgb * alpha + _BACKGROUND * (255 - alpha) + 127) // 255
    return out.astype(np.uint8)
