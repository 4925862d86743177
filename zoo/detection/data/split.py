"""Deterministic train/validation split of a detection dataset, stratified by class.

Each image is put in the stratum of its rarest class (by number of images holding it;
images without boxes form their own stratum). Every stratum is shuffled with the seed, after
sorting by image path so the result does not depend on reading order, and
``round(val_fraction * n)`` of its images go to validation (at least one when the stratum
has two or more images). The same dataset, fraction and seed always give the same split.

Example:
    >>> train, val = split_dataset(ds, val_fraction=0.2, seed=0)  # doctest: +SKIP
    >>> len(train) + len(val) == len(ds)  # doctest: +SKIP
    True
"""

from __future__ import annotations

import numpy as np

from zoo.detection.data.sample import DetectionDataset


def split_dataset(
    ds: DetectionDataset, val_fraction: float = 0.2, seed: int = 0
) -> tuple[DetectionDataset, DetectionDataset]:
    """Split ``ds`` into ``(train, val)`` stratified by class; deterministic for a seed.

    Example:
        >>> from zoo.detection.data.sample import DetectionSample
        >>> s = [DetectionSample(f"{i}.jpg", 8, 8, [[0, 0, 4, 4]], [i % 2]) for i in range(10)]
        >>> train, val = split_dataset(DetectionDataset(["a", "b"], s, "."), 0.2, seed=0)
        >>> len(train), len(val), sorted(val.class_counts().values())
        (8, 2, [1, 1])
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    n_images_with = np.zeros(len(ds.class_names), np.int64)
    for s in ds.samples:
        n_images_with[np.unique(s.labels)] += 1
    strata: dict[int, list[int]] = {}
    for i, s in enumerate(ds.samples):
        if len(s.labels):
            present = np.unique(s.labels)
            key = int(present[np.lexsort((present, n_images_with[present]))[0]])
        else:
            key = -1
        strata.setdefault(key, []).append(i)
    rng = np.random.default_rng(seed)
    val: list[int] = []
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda i: (str(ds.samples[i].image_path), i))
        order = rng.permutation(len(members))
        n_val = round(val_fraction * len(members))
        if val_fraction > 0 and n_val == 0 and len(members) >= 2:
            n_val = 1
        val += [members[j] for j in order[:n_val]]
    val_set = set(val)
    train = [i for i in range(len(ds)) if i not in val_set]
    return ds.subset(train), ds.subset(sorted(val_set))
