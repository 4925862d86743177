"""Box helpers and k-means anchors."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.detection.anchors import box_sizes, dataset_anchors, kmeans_anchors, wh_iou
from zoo.detection.boxes import (
    box_area,
    clip_boxes,
    cxcywh_to_xyxy,
    iou_matrix,
    xywh_to_xyxy,
    xyxy_to_cxcywh,
    xyxy_to_xywh,
)
from zoo.detection.data import DetectionDataset, DetectionSample
from zoo.errors import DataError


def test_iou_matrix_against_loop():
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 50, (7, 2, 2)), axis=1).transpose(0, 2, 1).reshape(7, 4)
    a = a[:, [0, 2, 1, 3]]
    b = a[::-1] + rng.normal(0, 3, a.shape)
    b[:, 2:] = np.maximum(b[:, 2:], b[:, :2] + 1)
    got = iou_matrix(a, b)
    for i in range(7):
        for j in range(7):
            iw = max(0, min(a[i, 2], b[j, 2]) - max(a[i, 0], b[j, 0]))
            ih = max(0, min(a[i, 3], b[j, 3]) - max(a[i, 1], b[j, 1]))
            inter = iw * ih
            union = box_area(a[i]) + box_area(b[j]) - inter
            assert got[i, j] == pytest.approx(inter / union, abs=1e-12)
    assert iou_matrix(a, np.zeros((0, 4))).shape == (7, 0)
    assert iou_matrix(np.array([[1, 1, 1, 1.0]]), np.array([[1, 1, 1, 1.0]]))[0, 0] == 0.0


def test_conversions_round_trip():
    boxes = np.array([[1, 2, 5, 10], [0, 0, 3, 3]], np.float32)
    np.testing.assert_allclose(cxcywh_to_xyxy(xyxy_to_cxcywh(boxes)), boxes)
    np.testing.assert_allclose(xywh_to_xyxy(xyxy_to_xywh(boxes)), boxes)
    assert xyxy_to_cxcywh(boxes).dtype == np.float32
    assert xyxy_to_cxcywh(np.zeros((0, 4))).shape == (0, 4)
    assert clip_boxes(np.array([[-1, -1, 9, 9.0]]), 5, 4).tolist() == [[0, 0, 5, 4]]


def _ds(boxes_per_image, size=(200, 100)):
    samples = [
        DetectionSample(f"{i}.jpg", size[0], size[1], b, [0] * len(b))
        for i, b in enumerate(boxes_per_image)
    ]
    return DetectionDataset(["a"], samples, ".")


def test_box_sizes_letterbox_vs_plain():
    ds = _ds([[[0, 0, 100, 50]]], size=(200, 100))
    assert box_sizes(ds, 100, letterbox=True).tolist() == [[50.0, 25.0]]
    assert box_sizes(ds, 100, letterbox=False).tolist() == [[50.0, 50.0]]
    assert box_sizes(ds, (50, 100), letterbox=False).tolist() == [[50.0, 25.0]]


def test_kmeans_recovers_clusters_and_is_deterministic():
    rng = np.random.default_rng(0)
    true = np.array([[12, 16], [40, 30], [90, 160], [200, 120]], float)
    wh = np.concatenate([t * rng.uniform(0.9, 1.1, (60, 2)) for t in true])
    anchors, mean_iou = kmeans_anchors(wh, 4, seed=3)
    assert anchors.shape == (4, 2) and anchors.dtype == np.float32
    np.testing.assert_allclose(anchors, true, rtol=0.06)
    areas = anchors[:, 0] * anchors[:, 1]
    assert (np.diff(areas) > 0).all()
    assert 0.8 < mean_iou <= 1.0
    assert mean_iou == pytest.approx(wh_iou(wh, anchors).max(axis=1).mean(), rel=1e-5)
    again, again_iou = kmeans_anchors(wh, 4, seed=3)
    assert np.array_equal(again, anchors) and again_iou == mean_iou


def test_dataset_anchors_and_too_few_boxes():
    rng = np.random.default_rng(1)
    boxes = []
    for _ in range(30):
        xy = rng.uniform(0, 80, 2)
        wh = rng.uniform(5, 60, 2)
        boxes.append([[*xy, *(xy + wh)]])
    anchors, mean_iou = dataset_anchors(_ds(boxes), k=3, size=(320, 320), seed=0)
    assert anchors.shape == (3, 2) and 0.5 < mean_iou < 1
    with pytest.raises(DataError, match="fewer than k=9"):
        dataset_anchors(_ds(boxes[:4]), k=9)


@pytest.mark.data
def test_anchors_on_raccoon_kangaroo(zoo_data):
    from zoo.detection.data import read_detection_dataset

    ds = read_detection_dataset([zoo_data / "raccoon", zoo_data / "kangaroo"])
    anchors, mean_iou = dataset_anchors(ds, k=5, size=416, seed=0)
    assert anchors.shape == (5, 2) and (anchors <= 416).all()
    assert mean_iou > 0.6
