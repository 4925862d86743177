"""Real images to calibrate LiteRT int8 quantisation on (``zoo export --int8 --calibration``).

Example:
    >>> data = representative_data(model, "camvid/train", None)  # doctest: +SKIP
    >>> next(iter(data()))["images"].shape                      # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from zoo.errors import DataError

MAX_IMAGES = 100
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


def representative_data(
    model, folder: str | os.PathLike, size: tuple[int, int] | None, limit: int = MAX_IMAGES
) -> Callable:
    """A callable yielding the converter's input dicts for up to ``limit`` images of ``folder``.

    Detection images are brought to the network size as zoo feeds them; segmentation images
    keep their size (or take ``size``, when the export fixes one).
    """
    import cv2

    from zoo.detection.data import read_image

    paths = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise DataError(f"{folder}: no images to calibrate on")
    paths = paths[:: max(1, len(paths) // limit)][:limit]

    def images():
        for path in paths:
            image = read_image(path)
            if model.task == "detection":
                from zoo.detection.prepare import prepare_image

                image, _ = prepare_image(image, model.input_size, model.preprocessing)
            elif size is not None:
                image = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)
            yield image[None]

    def generate():
        for batch in images():
            if model.task == "detection":
                conf, iou = np.float32(0.25), np.float32(0.45)
                yield {"images": batch, "conf": conf, "iou": iou}
            else:
                yield {"images": batch}

    return generate
