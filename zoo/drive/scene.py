"""What a frame's perception says about the road ahead, and the picture of it.

The *corridor* is the region ahead of the car in a forward-facing camera's frame: the
central columns from 35% to 65% of the width, in the rows below the middle of the height
(:data:`CORRIDOR`, fractions ``x0, y0, x1, y1``). For each frame:

- ``road_ahead``: the share of the corridor's pixels segmented as road;
- ``nearest``: of the detected objects whose bottom-centre point lies inside the corridor,
  the one whose box bottom is lowest in the frame (nearest the car on a flat road), or
  ``None``.

Example:
    >>> mask = np.zeros((10, 20), np.uint8); mask[5:, 7:13] = 3
    >>> road_share(mask, 3, corridor_box(20, 10))
    1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CORRIDOR = (0.35, 0.5, 0.65, 1.0)  # x0, y0, x1, y1 as fractions of the width and height
ROAD = "Road"


def corridor_box(width: int, height: int, corridor=CORRIDOR) -> tuple[int, int, int, int]:
    """The corridor ``(x0, y0, x1, y1)`` in pixels (end exclusive) of a ``width x height`` frame.

    Example:
        >>> corridor_box(480, 360)
        (168, 180, 312, 360)
    """
    fx0, fy0, fx1, fy1 = corridor
    return (
        round(fx0 * width),
        round(fy0 * height),
        round(fx1 * width),
        round(fy1 * height),
    )


def road_share(mask: np.ndarray, road_index: int | None, box: Sequence[int]) -> float | None:
    """The share of ``box``'s pixels of ``mask`` that are ``road_index`` (``None``: the
    model has no road class).

    Example:
        >>> road_share(np.full((4, 4), 3, np.uint8), 3, (0, 2, 4, 4))
        1.0
    """
    if road_index is None:
        return None
    x0, y0, x1, y1 = box
    region = mask[y0:y1, x0:x1]
    return float(np.count_nonzero(region == road_index)) / max(region.size, 1)


def nearest_in_corridor(boxes: np.ndarray, box: Sequence[int]) -> int | None:
    """Index of the box (``x1, y1, x2, y2``) whose bottom-centre lies in the corridor ``box``
    with the lowest bottom edge; ``None`` when no box is in it.

    Example:
        >>> nearest_in_corridor(np.array([[0, 0, 5, 9], [10, 0, 14, 6], [10, 0, 14, 8]]),
        ...                     (8, 5, 16, 10))
        2
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    if not len(boxes):
        return None
    x0, y0, x1, y1 = box
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    bottom = boxes[:, 3]
    inside = (cx >= x0) & (cx < x1) & (bottom >= y0) & (bottom <= y1)
    if not inside.any():
        return None
    candidates = np.flatnonzero(inside)
    return int(candidates[np.argmax(bottom[candidates])])


def class_shares(mask: np.ndarray, class_names: Sequence[str]) -> dict[str, float]:
    """``{class: share of the frame's pixels}`` for the classes present.

    Example:
        >>> class_shares(np.array([[0, 1], [1, 1]]), ["a", "b"])
        {'a': 0.25, 'b': 0.75}
    """
    counts = np.bincount(np.asarray(mask).reshape(-1), minlength=len(class_names))
    return {
        class_names[c]: round(float(n) / mask.size, 5)
        for c, n in enumerate(counts[: len(class_names)])
        if n
    }


def frame_record(
    result: dict, class_names: Sequence[str], detection_classes: Sequence[str]
) -> dict:
    """The JSON record of one frame's :meth:`perceive` result: ``width``, ``height``,
    ``objects`` [{``class``, ``class_id``, ``score``, ``box``}], ``classes`` (pixel shares),
    ``corridor`` (its box), ``road_ahead`` and ``nearest`` (an object or ``None``)."""
    mask = result["mask"]
    height, width = mask.shape[:2]
    box = corridor_box(width, height)
    objects = [
        {
            "class": detection_classes[int(label)],
            "class_id": int(label),
            "score": round(float(score), 5),
            "box": [round(float(v), 2) for v in b],
        }
        for b, score, label in zip(result["boxes"], result["scores"], result["labels"], strict=True)
    ]
    road = list(class_names).index(ROAD) if ROAD in class_names else None
    share = road_share(mask, road, box)
    nearest = nearest_in_corridor(result["boxes"], box)
    return {
        "width": int(width),
        "height": int(height),
        "objects": objects,
        "classes": class_shares(mask, class_names),
        "corridor": list(box),
        "road_ahead": None if share is None else round(share, 5),
        "nearest": None if nearest is None else objects[nearest],
    }


def draw_frame(
    image: np.ndarray,
    result: dict,
    class_names: Sequence[str],
    detection_classes: Sequence[str],
    alpha: float = 0.45,
) -> np.ndarray:
    """The frame with the mask blended in, a small legend, the corridor outlined and the
    boxes labelled (the nearest object in the corridor drawn thicker)."""
    import cv2

    from zoo.detection.draw import draw_detections
    from zoo.segmentation.overlay import overlay

    out = overlay(image, result["mask"], class_names, alpha=alpha, legend=True)
    out = draw_detections(
        out, result["boxes"], result["scores"], result["labels"], detection_classes
    )
    height, width = out.shape[:2]
    x0, y0, x1, y1 = corridor_box(width, height)
    thickness = max(1, round(max(height, width) / 400))
    cv2.rectangle(out, (x0, y0), (x1 - 1, y1 - 1), (255, 255, 255), thickness)
    nearest = nearest_in_corridor(result["boxes"], (x0, y0, x1, y1))
    if nearest is not None:
        bx0, by0, bx1, by1 = (round(float(v)) for v in result["boxes"][nearest])
        cv2.rectangle(out, (bx0, by0), (bx1, by1), (255, 0, 0), 3 * thickness)
    return out
