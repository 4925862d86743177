"""Object detection: data readers, boxes, anchors, augmentation and metrics."""
