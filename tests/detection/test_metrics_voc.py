"""VOC AP50 from zoo.detection.metrics against the classic voc_eval loop, written here."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.detection.metrics import evaluate_detections

from .synthetic import synthetic_case


def _voc_ap(rec, prec, use_07):
    if use_07:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            p = 0 if np.sum(rec >= t) == 0 else np.max(prec[rec >= t])
            ap = ap + p / 11.0
        return ap
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


def voc_eval(gt, dets, classname, ovthresh=0.5, use_07=False):
    """The devkit's voc_eval for one class (areas without +1, as the zoo uses)."""
    class_recs, npos = {}, 0
    for i, g in enumerate(gt):
        m = np.asarray(g["labels"]) == classname
        diff = np.asarray(g["difficult"], bool)[m]
        class_recs[i] = {
            "bbox": np.asarray(g["boxes"], float)[m],
            "difficult": diff,
            "det": [False] * int(m.sum()),
        }
        npos += int((~diff).sum())
    image_ids, confidence, bb = [], [], []
    for i, d in enumerate(dets):
        for b, s, lab in zip(d["boxes"], d["scores"], d["labels"], strict=True):
            if lab == classname:
                image_ids.append(i)
                confidence.append(s)
                bb.append(b)
    if npos == 0:
        return None
    if not bb:
        return 0.0, 0.0
    order = np.argsort(-np.array(confidence), kind="mergesort")
    bb = np.array(bb, float)[order]
    image_ids = [image_ids[k] for k in order]
    nd = len(image_ids)
    tp, fp = np.zeros(nd), np.zeros(nd)
    for d in range(nd):
        r = class_recs[image_ids[d]]
        b = bb[d]
        ovmax, bbgt = -np.inf, r["bbox"]
        if bbgt.size > 0:
            ixmin = np.maximum(bbgt[:, 0], b[0])
            iymin = np.maximum(bbgt[:, 1], b[1])
            ixmax = np.minimum(bbgt[:, 2], b[2])
            iymax = np.minimum(bbgt[:, 3], b[3])
            iw = np.maximum(ixmax - ixmin, 0.0)
            ih = np.maximum(iymax - iymin, 0.0)
            inters = iw * ih
            uni = (
                (b[2] - b[0]) * (b[3] - b[1])
                + (bbgt[:, 2] - bbgt[:, 0]) * (bbgt[:, 3] - bbgt[:, 1])
                - inters
            )
            overlaps = inters / uni
            ovmax = np.max(overlaps)
            jmax = np.argmax(overlaps)
        if ovmax > ovthresh:
            if not r["difficult"][jmax]:
                if not r["det"][jmax]:
                    tp[d] = 1.0
                    r["det"][jmax] = 1
                else:
                    fp[d] = 1.0
        else:
            fp[d] = 1.0
    fp, tp = np.cumsum(fp), np.cumsum(tp)
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return _voc_ap(rec, prec, False), _voc_ap(rec, prec, True)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ap50_matches_classic_voc_eval(seed):
    gt, dets = synthetic_case(seed, crowd_rate=0.15)
    names = [f"c{c}" for c in range(5)]
    ours = evaluate_detections(gt, dets, names)
    ref = {c: voc_eval(gt, dets, c) for c in range(5)}
    ref = {c: v for c, v in ref.items() if v is not None}
    assert set(ours["per_class_ap50"]) == {names[c] for c in ref}  # class 4 has no GT
    for c, (ap, _) in ref.items():
        assert ours["per_class_ap50"][names[c]] == pytest.approx(ap, abs=1e-12)
    assert ours["ap50"] == pytest.approx(np.mean([v[0] for v in ref.values()]), abs=1e-12)
    assert ours["ap50_voc07"] == pytest.approx(np.mean([v[1] for v in ref.values()]), abs=1e-12)
    assert 0.1 < ours["ap50"] < 0.9


def test_perfect_and_empty_detections():
    gt = [{"boxes": np.array([[0, 0, 10, 10], [20, 20, 40, 30]]), "labels": np.array([0, 1])}]
    perfect = [{"boxes": gt[0]["boxes"], "scores": np.array([0.9, 0.8]), "labels": gt[0]["labels"]}]
    r = evaluate_detections(gt, perfect, ["a", "b", "unused"])
    assert r["ap50"] == 1.0 and r["ap50_voc07"] == pytest.approx(1.0)
    assert r["coco_ap"] == pytest.approx(1.0) and r["per_class_ap50"] == {"a": 1.0, "b": 1.0}
    empty = [{"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, int)}]
    r = evaluate_detections(gt, empty, ["a", "b"])
    assert r["ap50"] == 0.0 and r["coco_ap"] == 0.0 and r["n_images"] == 1


def test_difficult_ignored_and_duplicates_are_false_positives():
    gt = [
        {
            "boxes": np.array([[0, 0, 10, 10], [50, 50, 60, 60]]),
            "labels": np.array([0, 0]),
            "difficult": np.array([False, True]),
        }
    ]
    dets = [
        {
            "boxes": np.array([[0, 0, 10, 10], [50, 50, 60, 60], [0, 0, 10, 10]]),
            "scores": np.array([0.9, 0.95, 0.5]),
            "labels": np.zeros(3, int),
        }
    ]
    r = evaluate_detections(gt, dets, ["a"])
    assert r["ap50"] == 1.0  # difficult hit ignored; the duplicate ranks after the tp


def test_accepts_dataset_samples():
    from zoo.detection.data import DetectionDataset, DetectionSample

    s = DetectionSample("a.jpg", 50, 50, [[0, 0, 10, 10]], [0])
    det = [{"boxes": [[1, 1, 10, 10]], "scores": [0.5], "labels": [0]}]
    r = evaluate_detections(DetectionDataset(["a"], [s], "."), det, ["a"])
    assert r["ap50"] == 1.0 and r["n_images"] == 1
