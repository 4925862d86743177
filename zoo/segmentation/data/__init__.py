"""Segmentation data: dataset readers, mask decoding, augmentation, a Keras loader, checks.

Example:
    >>> from zoo.segmentation.data import read_segmentation_dataset, SegmentationLoader
    >>> ds = read_segmentation_dataset(data_root() / "camvid", "train")  # doctest: +SKIP
    >>> loader = SegmentationLoader(ds, batch_size=8, augment=True)  # doctest: +SKIP
"""

from __future__ import annotations

from zoo.segmentation.data.augment import SegmentationAugment
from zoo.segmentation.data.io import read_image, read_mask
from zoo.segmentation.data.readers import (
    CAMVID_CLASSES,
    VOC_CLASSES,
    SegmentationDataset,
    read_camvid,
    read_mask_folder,
    read_segmentation_dataset,
    read_voc_segmentation,
)
from zoo.segmentation.data.sbd import read_sbd, read_sbd_mat, read_voc_sbd

__all__ = [
    "CAMVID_CLASSES",
    "VOC_CLASSES",
    "SegmentationAugment",
    "SegmentationDataset",
    "SegmentationLoader",
    "read_camvid",
    "read_image",
    "read_mask",
    "read_mask_folder",
    "read_sbd",
    "read_sbd_mat",
    "read_segmentation_dataset",
    "read_voc_sbd",
    "read_voc_segmentation",
]


def __getattr__(name: str):
    # The loader imports keras; load it only when asked for.
    if name == "SegmentationLoader":
        from zoo.segmentation.data.loader import SegmentationLoader

        return SegmentationLoader
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
