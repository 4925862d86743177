"""The published ``drive-camvid-coco``: its detections are exactly ``yolo-fastest-xl-coco``'s
run at the same input size (the frozen, float16-stored network and heads are the same
values), and its segmentation has CamVid's classes at the frame's size."""

from __future__ import annotations

import numpy as np
import pytest

import zoo
from zoo.data.images import read_image

pytestmark = [pytest.mark.model, pytest.mark.data]


@pytest.fixture(scope="module")
def drive():
    return zoo.load("drive-camvid-coco")


@pytest.fixture(scope="module")
def frames():
    from zoo.data.paths import data_root

    val = data_root() / "camvid" / "val"
    if not val.is_dir():
        pytest.skip(f"{val}: CamVid val not found (set ZOO_DATA)")
    street = read_image(sorted(val.glob("*.jpg"))[0])  # a CamVid street frame, never trained on
    return [street, np.ascontiguousarray(street[40:, ::-1])]


def test_detection_equals_the_converted_detector(drive, frames):
    detector = zoo.create_model(
        "yolo-fastest-xl-coco", weights="default", input_size=drive.input_size
    )
    assert detector.class_names == drive.detection_classes
    ours = drive.detect(frames, conf=0.05)
    theirs = detector.detect(frames, conf=0.05)
    assert sum(len(d["boxes"]) for d in ours) > 0
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a["boxes"], b["boxes"])
        np.testing.assert_array_equal(a["scores"], b["scores"])
        np.testing.assert_array_equal(a["labels"], b["labels"])


def test_segmentation_of_a_street(drive, frames):
    assert drive.class_names == zoo.load("fcn8s-camvid").class_names
    for frame, mask in zip(frames, drive.segment(frames), strict=True):
        assert mask.shape == frame.shape[:2]
        assert mask.max() < 11
    first = drive.segment(frames[:1])[0]
    shares = np.bincount(first.ravel(), minlength=11) / first.size
    assert shares.argmax() in (0, 1, 3)  # sky, building or road dominate a street picture
