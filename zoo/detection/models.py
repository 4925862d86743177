"""Registered detection architectures: ``yolov3-lite`` and ``darknet-yolo`` (converted models).

Example:
    >>> import zoo
    >>> model = zoo.create_model("yolov3-lite", num_classes=2, strides=[16, 32])
"""

from __future__ import annotations

from zoo.detection.darknet_detector import DarknetDetector
from zoo.detection.yolo import YOLODetector
from zoo.registry import register_model


@register_model("yolov3-lite", task="detection")
def yolov3_lite(num_classes: int = 80, **config) -> YOLODetector:
    """Build YOLOv3-lite (see :class:`zoo.detection.yolo.YOLODetector`)."""
    return YOLODetector(num_classes=num_classes, **config)


@register_model("darknet-yolo", task="detection")
def darknet_yolo(**config) -> DarknetDetector:
    """Rebuild a converted Darknet detector from its config (see ``convert_darknet``)."""
    return DarknetDetector(**config)
