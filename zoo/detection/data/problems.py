"""How readers report trouble: raise at once (reading), skip the sample (evaluating) or
collect every line (checking).

Readers share one code path for all three uses. An *error* (missing or unreadable image, bad
annotation line, unknown class) stops a strict read with a :class:`DataError`; with
``skip_errors=True`` the sample is left out and the line is kept in ``errors`` (``zoo eval``
lists them under ``skipped``). A *fix* is something the reader repairs on the way, the same in
training and evaluation (a box clipped to the image, a zero-area box or one wholly outside the
image dropped, a stated size replaced by the real one); it becomes a warning of the dataset.
When checking, both are collected as problems.

Example:
    >>> p = Problems(strict=False)
    >>> p.error("a.xml: bad"); p.fix("b.xml: clipped"); p.lines
    ['a.xml: bad', 'b.xml: clipped']
"""

from __future__ import annotations

import logging

import numpy as np

from zoo.errors import DataError, one_line

log = logging.getLogger("zoo.detection.data")


class Problems:
    """Collects problem lines; ``strict`` raises on the first error."""

    def __init__(self, strict: bool = True, skip_errors: bool = False) -> None:
        self.strict = strict
        self.skip_errors = skip_errors
        self.lines: list[str] = []
        self.warnings: list[str] = []
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        """A problem the reader cannot repair: raise when strict (unless skipping), else collect."""
        message = one_line(message)
        if self.strict and not self.skip_errors:
            raise DataError(message)
        self.errors.append(message)
        if self.strict:
            log.warning(f"{message}; skipped")
        else:
            self.lines.append(message)

    def fix(self, message: str) -> None:
        """A problem the reader repairs: a warning when strict, else collect."""
        message = one_line(message)
        if self.strict:
            log.warning(message)
            self.warnings.append(message)
        else:
            self.lines.append(message)


def clean_boxes(
    boxes: np.ndarray,
    width: int,
    height: int,
    where: str,
    names: list[str],
    problems: Problems,
) -> np.ndarray:
    """Clip boxes to the image and return the mask of those kept (non-zero area).

    ``where`` names the annotation file; ``names`` are the boxes' class names for messages.
    ``boxes`` is modified in place.
    """
    keep = np.ones(len(boxes), dtype=bool)
    for i, box in enumerate(boxes):
        x1, y1, x2, y2 = (float(v) for v in box)
        what = f"box {i} ({names[i]}) [{x1:g}, {y1:g}, {x2:g}, {y2:g}]"
        if not np.isfinite(box).all():
            problems.fix(f"{where}: {what} is not finite; dropped")
            keep[i] = False
            continue
        if x2 <= x1 or y2 <= y1:
            problems.fix(f"{where}: {what} has zero area; dropped")
            keep[i] = False
            continue
        if x1 < 0 or y1 < 0 or x2 > width or y2 > height:
            box[0::2] = np.clip(box[0::2], 0, width)
            box[1::2] = np.clip(box[1::2], 0, height)
            if box[2] <= box[0] or box[3] <= box[1]:
                problems.fix(f"{where}: {what} lies outside the {width}x{height} image; dropped")
                keep[i] = False
            else:
                problems.fix(f"{where}: {what} goes outside the {width}x{height} image; clipped")
    return keep
