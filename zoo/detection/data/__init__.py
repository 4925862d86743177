"""Detection datasets in one in-memory format: readers (VOC, COCO, YOLO), checks, splits.

Example:
    >>> from zoo.detection.data import read_detection_dataset, split_dataset
    >>> ds = read_detection_dataset(["data/raccoon", "data/kangaroo"])  # doctest: +SKIP
    >>> train, val = split_dataset(ds, val_fraction=0.2, seed=0)  # doctest: +SKIP
"""

from zoo.detection.data.check import check_detection_dataset
from zoo.detection.data.classes import canonical_name, match_classes, normalize_name
from zoo.detection.data.coco import read_coco
from zoo.detection.data.combine import combine_datasets
from zoo.detection.data.detect import detect_format, read_detection_dataset
from zoo.detection.data.images import image_size, read_image
from zoo.detection.data.sample import DetectionDataset, DetectionSample
from zoo.detection.data.split import split_dataset
from zoo.detection.data.voc import read_voc
from zoo.detection.data.yolo import read_yolo

__all__ = [
    "DetectionDataset",
    "DetectionSample",
    "canonical_name",
    "check_detection_dataset",
    "combine_datasets",
    "detect_format",
    "image_size",
    "match_classes",
    "normalize_name",
    "read_coco",
    "read_detection_dataset",
    "read_image",
    "read_voc",
    "read_yolo",
    "split_dataset",
]
