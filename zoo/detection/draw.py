"""Draw detections on an image: a coloured box and a ``name score`` label per detection.

Example:
    >>> import numpy as np
    >>> img = draw_detections(np.zeros((64, 64, 3), np.uint8), np.array([[4, 4, 40, 40]]),
    ...                       np.array([0.9]), np.array([0]), ["cat"])
    >>> img.shape
    (64, 64, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np


def class_color(index: int) -> tuple[int, int, int]:
    """A distinct, stable RGB colour per class index (golden-ratio hues).

    Example:
        >>> class_color(0) != class_color(1)
        True
    """
    hue = int((index * 0.618033988749895 % 1.0) * 179)
    hsv = np.uint8([[[hue, 200, 255]]])
    r, g, b = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]
    return int(r), int(g), int(b)


def draw_detections(
    image: np.ndarray,
    boxes: np.ndarray,
    scores: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
) -> np.ndarray:
    """A copy of RGB ``image`` with each ``xyxy`` box drawn and labelled."""
    out = np.ascontiguousarray(image.copy())
    thickness = max(1, round(max(out.shape[:2]) / 400))
    scale = max(0.4, max(out.shape[:2]) / 1200)
    for box, score, label in zip(boxes, scores, labels, strict=True):
        x1, y1, x2, y2 = (round(float(v)) for v in box)
        color = class_color(int(label))
        cv2.rectangle(out, (x1, y1), (x2, y2), color, thickness)
        name = class_names[int(label)] if 0 <= int(label) < len(class_names) else str(label)
        text = f"{name} {float(score):.2f}"
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        top = max(y1 - th - base, 0)
        cv2.rectangle(out, (x1, top), (x1 + tw, top + th + base), color, -1)
        cv2.putText(
            out, text, (x1, top + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA
        )
    return out
