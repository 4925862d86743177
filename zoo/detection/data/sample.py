"""The common in-memory detection format every reader returns.

A :class:`DetectionSample` is one image and its boxes in pixels of the real image (``xyxy``,
float32), integer labels indexing the dataset's ``class_names`` and a ``difficult`` flag
(VOC ``difficult``, COCO ``iscrowd``: ignored by the metrics).

Example:
    >>> import numpy as np
    >>> s = DetectionSample("a.jpg", 64, 48, np.array([[1, 2, 30, 40]]), np.array([0]))
    >>> ds = DetectionDataset(["cat"], [s], "data/cats")
    >>> len(ds), ds.num_boxes, s.difficult.tolist()
    (1, 1, [False])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class DetectionSample:
    """One image: path, real size, ``xyxy`` pixel boxes, labels and difficult flags."""

    image_path: Path
    width: int
    height: int
    boxes: np.ndarray
    labels: np.ndarray
    difficult: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.image_path = Path(self.image_path)
        self.width = int(self.width)
        self.height = int(self.height)
        self.boxes = np.asarray(self.boxes, dtype=np.float32).reshape(-1, 4)
        self.labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)
        n = len(self.boxes)
        if self.difficult is None:
            self.difficult = np.zeros(n, dtype=bool)
        self.difficult = np.asarray(self.difficult, dtype=bool).reshape(-1)
        if len(self.labels) != n or len(self.difficult) != n:
            raise ValueError(
                f"{self.image_path}: {n} boxes but {len(self.labels)} labels and "
                f"{len(self.difficult)} difficult flags"
            )

    def __len__(self) -> int:
        return len(self.boxes)


@dataclass
class DetectionDataset:
    """Class names, samples, where they came from, and reader warnings.

    ``source`` is the dataset folder (for a combination of several, their common parent;
    ``parts`` then lists each folder). ``warnings`` holds one line per thing the reader fixed
    on the way (e.g. an annotation stating a wrong image size: the real image wins).
    """

    class_names: list[str]
    samples: list[DetectionSample]
    source: Path
    warnings: list[str] = field(default_factory=list)
    parts: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        self.class_names = [str(n) for n in self.class_names]
        self.samples = list(self.samples)
        self.source = Path(self.source)
        self.parts = tuple(Path(p) for p in self.parts) or (self.source,)

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[DetectionSample]:
        return iter(self.samples)

    def __getitem__(self, index: int) -> DetectionSample:
        return self.samples[index]

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    @property
    def num_boxes(self) -> int:
        """Total number of boxes over all samples."""
        return sum(len(s) for s in self.samples)

    def class_counts(self) -> dict[str, int]:
        """Boxes per class name (every class present, zero when unused).

        Example:
            >>> DetectionDataset(["a"], [], ".").class_counts()
            {'a': 0}
        """
        counts = np.zeros(len(self.class_names), dtype=np.int64)
        for s in self.samples:
            np.add.at(counts, s.labels, 1)
        return {n: int(c) for n, c in zip(self.class_names, counts, strict=True)}

    def subset(self, indices: list[int] | np.ndarray) -> DetectionDataset:
        """A dataset of the samples at ``indices`` (same classes, source and warnings).

        Example:
            >>> len(DetectionDataset(["a"], [], ".").subset([]))
            0
        """
        return DetectionDataset(
            self.class_names,
            [self.samples[int(i)] for i in indices],
            self.source,
            list(self.warnings),
            self.parts,
        )
