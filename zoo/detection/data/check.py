"""Validate a detection dataset: every problem as one line naming its file.

Reports boxes outside the image, zero-area boxes, unknown classes (when ``class_names`` is
given), annotation sizes that differ from the real image, unreadable and partially written
images (each image is decoded), annotations whose image is missing (and YOLO label files
without an image), files named outside the dataset folder, and malformed annotation files.
An empty list means the dataset is clean.

Example:
    >>> check_detection_dataset("data/raccoon")  # doctest: +SKIP
    []
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zoo.data.images import image_warnings
from zoo.detection.data.detect import read_detection_dataset
from zoo.detection.data.problems import Problems
from zoo.errors import DataError, one_line


def check_detection_dataset(
    root: Path | str | Sequence[Path | str],
    split: str | None = None,
    class_names: list[str] | None = None,
) -> list[str]:
    """Return the list of problems found in the dataset at ``root`` (empty when clean).

    Example:
        >>> for line in check_detection_dataset("broken/"):  # doctest: +SKIP
        ...     print(line)
        broken/annotations/a.xml: box 0 (cat) [0, 0, 0, 5] has zero area; dropped
    """
    problems = Problems(strict=False)
    with image_warnings() as partial:  # partially written images: decoded, and named here
        try:
            read_detection_dataset(root, split, class_names, problems=problems)
        except DataError as e:  # the layout itself is unusable: nothing more can be checked
            problems.lines.append(one_line(str(e)))
    return problems.lines + [one_line(line) for line in partial]
