"""Requests' inputs as what a model takes: uploaded files or UINT8 tensors as
:class:`~zoo.serve.served.Picture`, BYTES as text. Each mistake is a 400 (413 for a picture
over the pixel limit) naming the input.

Example:
    >>> texts_from({"text": np.array([b"Hello."], object)}, max_texts=4, max_chars=100)
    ['Hello.']
"""

from __future__ import annotations

import numpy as np

from zoo.errors import DataError
from zoo.serve.errors import UserError, bad_request
from zoo.serve.served import SEGMENT_MAX_SIDE, Picture


def _fit(array: np.ndarray, task: str) -> np.ndarray:
    """Segmentation runs at the picture's own size: bring larger ones down to the long side
    :data:`SEGMENT_MAX_SIDE`."""
    import cv2

    h, w = array.shape[:2]
    if task != "segmentation" or max(h, w) <= SEGMENT_MAX_SIDE:
        return array
    f = SEGMENT_MAX_SIDE / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return cv2.resize(array, size, interpolation=cv2.INTER_AREA)


def decode_picture(data: bytes, name: str, served, max_pixels: int | None) -> Picture:
    """An uploaded image file, decoded at the size the model needs (large JPEGs reduced by
    the decoder, see :func:`zoo.data.images.read_image`)."""
    from zoo.data.images import image_size, read_image

    try:
        array = read_image(name, max_pixels, reduce_to=served.reduce_to, data=data)
        width, height = image_size(name, data=data)
    except DataError as exc:
        status = 413 if "megapixels, over the limit" in str(exc) else 400
        raise UserError(status, str(exc)) from None
    array = _fit(array, served.task)
    return Picture(
        array, width / array.shape[1], height / array.shape[0], width=width, height=height
    )


def picture_from_array(array: np.ndarray, name: str, served, max_pixels: int | None) -> Picture:
    from zoo.data.images import max_image_pixels

    h, w = array.shape[:2]
    limit = max_image_pixels() if max_pixels is None else max_pixels
    if h * w > limit:
        raise UserError(413, f"{name}: {w}x{h} image is over the limit of {limit / 1e6:g} MP")
    if h == 0 or w == 0:
        raise bad_request(f"{name}: an image of {w}x{h} pixels")
    fitted = _fit(np.ascontiguousarray(array), served.task)
    return Picture(fitted, w / fitted.shape[1], h / fitted.shape[0], width=w, height=h)


def pictures_from(inputs: dict[str, np.ndarray], served, max_pixels: int | None) -> list[Picture]:
    """The pictures of a v2 request: ``image`` (UINT8 ``[N, H, W, 3]`` or ``[H, W, 3]``) or
    ``image_file`` (BYTES ``[N]``, encoded JPEG / PNG / ...)."""
    unknown = sorted(set(inputs) - {"image", "image_file"})
    if unknown or len(inputs) != 1:
        raise bad_request(
            f"{served.name} takes one input, 'image' (UINT8 [N, H, W, 3]) or 'image_file' "
            f"(BYTES [N], encoded files); got {', '.join(sorted(inputs)) or 'none'}"
        )
    if "image" in inputs:
        array = inputs["image"]
        if array.dtype != np.uint8:
            raise bad_request("input 'image': datatype must be UINT8 (RGB pixels)")
        if array.ndim == 3:
            array = array[None]
        if array.ndim != 4 or array.shape[-1] != 3:
            raise bad_request(
                f"input 'image': shape {list(array.shape)}; expected [N, H, W, 3] (RGB)"
            )
        return [
            picture_from_array(a, f"image[{i}]", served, max_pixels) for i, a in enumerate(array)
        ]
    files = inputs["image_file"]
    if files.dtype != np.object_ or files.ndim != 1:
        raise bad_request("input 'image_file': expected BYTES with shape [N] (encoded files)")
    return [
        decode_picture(bytes(data), f"image_file[{i}]", served, max_pixels)
        for i, data in enumerate(files)
    ]


def texts_from(inputs: dict[str, np.ndarray], max_texts: int, max_chars: int) -> list[str]:
    """The sentences of a v2 request: ``text`` (BYTES ``[N]``, UTF-8)."""
    if set(inputs) != {"text"}:
        raise bad_request(
            f"a translation model takes one input, 'text' (BYTES [N]); got {', '.join(inputs)}"
        )
    array = inputs["text"]
    if array.dtype != np.object_:
        raise bad_request("input 'text': datatype must be BYTES (UTF-8 text)")
    return check_texts(
        [_utf8(v, f"text[{i}]") for i, v in enumerate(array.reshape(-1))], max_texts, max_chars
    )


def _utf8(value, name: str) -> str:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request(f"{name}: not UTF-8 text") from None


def check_texts(texts: list, max_texts: int, max_chars: int) -> list[str]:
    """``texts`` when they are at most ``max_texts`` strings of ``max_chars`` at most."""
    if not texts:
        raise bad_request("no text to translate")
    if len(texts) > max_texts:
        raise UserError(413, f"{len(texts)} texts in one request; at most {max_texts}")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise bad_request(f"text[{i}]: not a string")
        if len(text) > max_chars:
            raise UserError(413, f"text[{i}]: {len(text)} characters; at most {max_chars}")
    return [" ".join(t.splitlines()) for t in texts]


def settings_from(params: dict, served) -> tuple:
    """The model settings a request gives (``conf``, ``iou``, ``max_det``; ``beam``), checked
    against their types and ranges, as a sorted tuple (the batcher groups by it)."""
    if not isinstance(params, dict):
        raise bad_request("parameters must be an object")
    out = {}
    for key, value in params.items():
        if key not in served.SETTINGS:
            continue  # protocol parameters (binary_data_output...) and unknown ones
        kind, low, high = served.SETTINGS[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad_request(f"parameter {key!r}: {value!r} is not a number")
        if kind is int and value != int(value):
            raise bad_request(f"parameter {key!r}: {value!r} is not a whole number")
        if not low <= value <= high:
            raise bad_request(f"parameter {key!r}: {value!r} is outside [{low}, {high}]")
        out[key] = kind(value)
    return tuple(sorted(out.items()))
