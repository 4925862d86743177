"""The per-frame JSON fields of ``zoo drive`` on hand-made masks and boxes (no model)."""

from __future__ import annotations

import numpy as np

from zoo.drive.scene import (
    class_shares,
    corridor_box,
    draw_frame,
    frame_record,
    nearest_in_corridor,
    road_share,
)

CLASSES = ["Sky", "Building", "Pole", "Road", "Pavement"]
DETECTION = ["person", "bicycle", "car"]


def _result(mask, boxes=(), scores=(), labels=()):
    return {
        "mask": np.asarray(mask, np.uint8),
        "boxes": np.asarray(boxes, np.float32).reshape(-1, 4),
        "scores": np.asarray(scores, np.float32),
        "labels": np.asarray(labels, np.int64),
    }


def test_corridor_is_the_lower_centre_of_the_frame():
    assert corridor_box(480, 360) == (168, 180, 312, 360)
    assert corridor_box(100, 40) == (35, 20, 65, 40)


def test_road_share_counts_only_the_corridor():
    mask = np.zeros((40, 100), np.uint8)  # sky everywhere
    box = corridor_box(100, 40)  # x 35..65, y 20..40: 30 x 20 = 600 pixels
    mask[20:40, 35:50] = 3  # road on the left half of the corridor
    mask[0:20, :] = 3  # road above the corridor does not count
    mask[20:40, 0:35] = 3  # nor beside it
    assert road_share(mask, 3, box) == 0.5
    assert road_share(mask, None, box) is None


def test_nearest_object_is_the_lowest_bottom_inside_the_corridor():
    box = corridor_box(100, 40)  # x 35..65, y 20..40
    boxes = np.array(
        [
            [40, 5, 60, 30],  # inside, bottom 30
            [42, 10, 58, 35],  # inside, bottom 35: the nearest
            [0, 10, 20, 39],  # lower but beside the corridor (centre x 10)
            [45, 0, 55, 15],  # centre x inside but bottom above the corridor
        ],
        np.float32,
    )
    assert nearest_in_corridor(boxes, box) == 1
    assert nearest_in_corridor(boxes[2:], box) is None
    assert nearest_in_corridor(np.zeros((0, 4)), box) is None


def test_frame_record_fields():
    mask = np.zeros((40, 100), np.uint8)
    mask[20:, :] = 3  # the lower half is road
    mask[30:, 35:50] = 4  # a quarter of the corridor is pavement
    result = _result(mask, [[0, 0, 10, 10], [40, 20, 60, 38]], [0.9, 0.6], [0, 2])
    record = frame_record(result, CLASSES, DETECTION)
    assert record["width"] == 100 and record["height"] == 40
    assert record["corridor"] == [35, 20, 65, 40]
    assert record["road_ahead"] == 0.75
    assert record["objects"][0] == {
        "class": "person",
        "class_id": 0,
        "score": 0.9,
        "box": [0.0, 0.0, 10.0, 10.0],
    }
    assert record["nearest"]["class"] == "car"
    assert record["classes"] == class_shares(mask, CLASSES)
    assert abs(sum(record["classes"].values()) - 1) < 1e-4
    assert set(record["classes"]) == {"Sky", "Road", "Pavement"}


def test_frame_record_without_objects_or_road_class():
    record = frame_record(_result(np.zeros((8, 8))), ["a", "b"], DETECTION)
    assert record["nearest"] is None and record["objects"] == []
    assert record["road_ahead"] is None


def test_draw_frame_keeps_the_frame_size():
    image = np.full((40, 100, 3), 128, np.uint8)
    mask = np.full((40, 100), 3, np.uint8)
    out = draw_frame(image, _result(mask, [[40, 20, 60, 38]], [0.9], [2]), CLASSES, DETECTION)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not np.array_equal(out, image)
