"""Combine several detection datasets into one with the union of their classes.

Classes are merged by name, ignoring case and spaces/underscores/hyphens (the first
spelling is kept); the union keeps the order of first appearance, dataset by dataset.

Example:
    >>> import numpy as np
    >>> a = DetectionDataset(["raccoon"], [], "data/raccoon")
    >>> b = DetectionDataset(["kangaroo"], [], "data/kangaroo")
    >>> combine_datasets([a, b]).class_names
    ['raccoon', 'kangaroo']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zoo.detection.data.classes import normalize_name
from zoo.detection.data.sample import DetectionDataset, DetectionSample
from zoo.errors import DataError


def combine_datasets(
    datasets: Sequence[DetectionDataset], class_names: list[str] | None = None
) -> DetectionDataset:
    """One dataset holding every sample, labels remapped to the union of classes.

    With ``class_names`` that list fixes the order and must cover every class.

    Example:
        >>> combine_datasets([DetectionDataset(["a"], [], "x")], ["b", "a"]).class_names
        ['b', 'a']
    """
    if not datasets:
        raise ValueError("combine_datasets needs at least one dataset")
    names: list[str] = list(class_names or [])
    index = {normalize_name(n): i for i, n in enumerate(names)}
    samples: list[DetectionSample] = []
    warnings: list[str] = []
    for ds in datasets:
        remap = np.zeros(len(ds.class_names), np.int64)
        for i, n in enumerate(ds.class_names):
            key = normalize_name(n)
            if key not in index:
                if class_names:
                    raise DataError(f"{ds.source}: class {n!r} not in {', '.join(class_names)}")
                index[key] = len(names)
                names.append(n)
            remap[i] = index[key]
        for s in ds.samples:
            samples.append(
                DetectionSample(
                    s.image_path, s.width, s.height, s.boxes, remap[s.labels], s.difficult
                )
            )
        warnings += ds.warnings
    parts = tuple(p for ds in datasets for p in ds.parts)
    source = Path(os.path.commonpath([str(p.resolve()) for p in parts])) if parts else Path()
    return DetectionDataset(names, samples, source, list(dict.fromkeys(warnings)), parts)
