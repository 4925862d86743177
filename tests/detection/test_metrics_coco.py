"""COCO AP from zoo.detection.metrics against pycocotools' COCOeval on the same detections."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.detection.metrics import evaluate_detections

from .cocoeval_ref import pycocotools_ap
from .synthetic import synthetic_case

KEYS = ("coco_ap", "coco_ap50", "coco_ap75")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coco_ap_matches_pycocotools_synthetic(seed):
    gt, dets = synthetic_case(seed)
    ours = evaluate_detections(gt, dets, [str(c) for c in range(5)])
    ref = pycocotools_ap(gt, dets, 5)
    for k in KEYS:
        assert ours[k] == pytest.approx(ref[k], abs=1e-9), k
    assert 0.05 < ours["coco_ap"] < 0.95  # a meaningful, non-degenerate case


def test_coco_ap_crowd_absorbs_many_detections():
    crowd = {
        "boxes": np.array([[0, 0, 100, 100], [200, 200, 220, 220]], np.float32),
        "labels": np.array([0, 0]),
        "difficult": np.array([True, False]),
    }
    inside = np.array([[10, 10, 30, 30], [40, 40, 60, 60], [200, 200, 220, 219]], np.float32)
    dets = {"boxes": inside, "scores": np.array([0.9, 0.8, 0.7]), "labels": np.zeros(3, int)}
    ours = evaluate_detections([crowd], [dets], ["a"])
    ref = pycocotools_ap([crowd], [dets], 1)
    for k in KEYS:
        assert ours[k] == pytest.approx(ref[k], abs=1e-12), k
    assert ours["coco_ap50"] == pytest.approx(1.0)  # the two crowd detections are ignored


def test_coco_ap_matches_pycocotools_on_coco128(zoo_data):
    from zoo.detection.data import read_coco

    ds = read_coco(zoo_data / "coco128")
    rng = np.random.default_rng(0)
    gt, dets = [], []
    for s in ds.samples:
        gt.append({"boxes": s.boxes, "labels": s.labels, "difficult": s.difficult})
        keep = rng.random(len(s.boxes)) < 0.85
        b = s.boxes[keep].astype(np.float64)
        wh = np.concatenate([b[:, 2:] - b[:, :2]] * 2, axis=1)
        b = b + rng.normal(0, 0.06, b.shape) * wh
        b[:, 2:] = np.maximum(b[:, 2:], b[:, :2] + 0.5)
        labels = s.labels[keep].copy()
        flip = rng.random(len(labels)) < 0.05
        labels[flip] = rng.integers(0, len(ds.class_names), int(flip.sum()))
        fp = rng.uniform(0, 300, (3, 2))
        b = np.concatenate([b, np.concatenate([fp, fp + rng.uniform(5, 150, (3, 2))], 1)])
        labels = np.concatenate([labels, rng.integers(0, len(ds.class_names), 3)])
        dets.append({"boxes": b.astype(np.float32), "scores": rng.random(len(b)), "labels": labels})
    ours = evaluate_detections(gt, dets, ds.class_names)
    ref = pycocotools_ap(gt, dets, len(ds.class_names))
    for k in KEYS:
        assert ours[k] == pytest.approx(ref[k], abs=1e-9), k
    assert ours["n_images"] == 128
    assert 0.3 < ours["coco_ap"] < 0.9
