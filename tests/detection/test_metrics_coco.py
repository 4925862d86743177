"""COCO AP at run time (pycocotools) against the numpy re-derivation kept in the tests.

Also scores coco128 the way the field does: pycocotools on the dataset's own JSON file, with
our detections written as COCO results, must give the numbers ``evaluate_detections`` gives.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from zoo.detection.metrics import evaluate_detections

from .coco_numpy_ref import numpy_coco_ap
from .synthetic import synthetic_case

KEYS = ("coco_ap", "coco_ap50", "coco_ap75")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coco_ap_matches_numpy_reference_synthetic(seed):
    gt, dets = synthetic_case(seed)
    ours = evaluate_detections(gt, dets, [str(c) for c in range(5)])
    ref = numpy_coco_ap(gt, dets, 5)
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
    ref = numpy_coco_ap([crowd], [dets], 1)
    for k in KEYS:
        assert ours[k] == pytest.approx(ref[k], abs=1e-12), k
    assert ours["coco_ap50"] == pytest.approx(1.0)  # the two crowd detections are ignored


def test_coco_ap_edge_cases():
    gt = [{"boxes": np.array([[0, 0, 4, 4]]), "labels": np.array([0])}]
    nothing = [{"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, int)}]
    assert evaluate_detections(gt, nothing, ["a"])["coco_ap"] == 0.0
    no_truth = [{"boxes": np.zeros((0, 4)), "labels": np.zeros(0, int)}]
    assert np.isnan(evaluate_detections(no_truth, nothing, ["a"])["coco_ap"])


def _noisy_detections(ds, seed=0):
    rng = np.random.default_rng(seed)
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
    return gt, dets


def test_coco_ap_matches_numpy_reference_on_coco128(zoo_data):
    from zoo.detection.data import read_coco

    ds = read_coco(zoo_data / "coco128")
    gt, dets = _noisy_detections(ds)
    ours = evaluate_detections(gt, dets, ds.class_names)
    ref = numpy_coco_ap(gt, dets, len(ds.class_names))
    for k in KEYS:
        assert ours[k] == pytest.approx(ref[k], abs=1e-9), k
    assert ours["n_images"] == 128
    assert 0.3 < ours["coco_ap"] < 0.9


def test_coco_ap_equals_pycocotools_on_the_dataset_json(zoo_data):
    """The field's way: COCOeval with the original annotations file and a results list."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    from zoo.detection.data import read_coco

    ann_file = zoo_data / "coco128" / "annotations" / "instances_val2017.json"
    ds = read_coco(zoo_data / "coco128")
    gt, dets = _noisy_detections(ds, seed=1)
    ours = evaluate_detections(gt, dets, ds.class_names)
    raw = json.loads(ann_file.read_text())
    cat_ids = sorted(c["id"] for c in raw["categories"])
    by_name = {im["file_name"]: im["id"] for im in raw["images"]}
    results = []
    for sample, det in zip(ds.samples, dets, strict=True):
        for box, score, label in zip(det["boxes"], det["scores"], det["labels"], strict=True):
            x1, y1, x2, y2 = (float(v) for v in box)
            results.append(
                {
                    "image_id": by_name[sample.image_path.name],
                    "category_id": cat_ids[int(label)],
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "score": float(score),
                }
            )
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO(str(ann_file))
        ev = COCOeval(truth, truth.loadRes(results), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    assert ours["coco_ap"] == pytest.approx(ev.stats[0], abs=1e-6)
    assert ours["coco_ap50"] == pytest.approx(ev.stats[1], abs=1e-6)
    assert ours["coco_ap75"] == pytest.approx(ev.stats[2], abs=1e-6)
