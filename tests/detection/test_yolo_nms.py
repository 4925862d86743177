"""Batched per-class NMS in keras.ops against a numpy greedy reference and OpenCV's NMSBoxes."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pytest

from zoo.detection.boxes import iou_matrix
from zoo.detection.nms import batched_nms, pairwise_iou

pytestmark = pytest.mark.model


def greedy_reference(boxes, scores, classes, iou_thr, score_thr):
    """Textbook greedy per-class NMS; indices kept, best first."""
    order = np.argsort(-scores, kind="stable")
    order = order[scores[order] > score_thr]
    keep: list[int] = []
    for i in order:
        same = [j for j in keep if classes[j] == classes[i]]
        if same and iou_matrix(boxes[i : i + 1], boxes[same]).max() > iou_thr:
            continue
        keep.append(int(i))
    return keep


def random_case(seed, n_images=3, n_boxes=200, n_classes=4, size=120.0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, size, (n_images, n_boxes, 2))
    wh = rng.uniform(4, size / 3, (n_images, n_boxes, 2))
    boxes = np.concatenate([xy, xy + wh], -1).astype(np.float32)
    scores = rng.uniform(0, 1, (n_images, n_boxes)).astype(np.float32)
    classes = rng.integers(0, n_classes, (n_images, n_boxes)).astype(np.int32)
    return boxes, scores, classes


def run_nms(boxes, scores, classes, iou, conf, max_det, topk=1000):
    out = batched_nms(boxes, scores, classes, iou, conf, max_det, topk)
    return {k: keras.ops.convert_to_numpy(v) for k, v in out.items()}


@pytest.mark.parametrize("seed, iou", [(0, 0.3), (1, 0.5), (2, 0.7)])
def test_same_kept_set_as_greedy_reference(seed, iou):
    boxes, scores, classes = random_case(seed, n_boxes=150)
    out = run_nms(boxes, scores, classes, iou, 0.2, max_det=150)
    for n in range(len(boxes)):
        ref = greedy_reference(boxes[n], scores[n], classes[n], iou, 0.2)
        k = int(out["num_detections"][n])
        assert k == len(ref)
        np.testing.assert_array_equal(out["scores"][n, :k], scores[n, ref])
        np.testing.assert_array_equal(out["classes"][n, :k], classes[n, ref])
        np.testing.assert_allclose(out["boxes"][n, :k], boxes[n, ref])
        assert (out["classes"][n, k:] == -1).all() and (out["scores"][n, k:] == 0).all()


def test_matches_opencv_nmsboxes_per_class():
    boxes, scores, classes = random_case(5, n_images=1, n_boxes=150)
    b, s, c = boxes[0], scores[0], classes[0]
    expected = []
    for cls in np.unique(c):
        idx = np.where(c == cls)[0]
        rects = [
            [float(x1), float(y1), float(x2 - x1), float(y2 - y1)] for x1, y1, x2, y2 in b[idx]
        ]
        kept = np.asarray(cv2.dnn.NMSBoxes(rects, s[idx].tolist(), 0.25, 0.45)).reshape(-1)
        expected += idx[kept].tolist()
    out = run_nms(boxes, scores, classes, 0.45, 0.25, max_det=150)
    k = int(out["num_detections"][0])
    assert sorted(out["scores"][0, :k].tolist()) == sorted(s[expected].tolist())


def test_classes_never_suppress_each_other():
    boxes = np.array([[[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]]], np.float32)
    out = run_nms(boxes, [[0.9, 0.8, 0.7]], [[0, 1, 0]], 0.5, 0.1, max_det=5)
    assert int(out["num_detections"][0]) == 2
    assert out["classes"][0, :2].tolist() == [0, 1]


def test_max_det_topk_and_padding():
    boxes, scores, classes = random_case(3, n_images=2, n_boxes=60)
    out = run_nms(boxes, scores, classes, 0.5, 0.0, max_det=5)
    assert out["boxes"].shape == (2, 5, 4) and out["num_detections"].tolist() == [5, 5]
    for n in range(2):
        ref = greedy_reference(boxes[n], scores[n], classes[n], 0.5, 0.0)[:5]
        np.testing.assert_array_equal(out["scores"][n], scores[n, ref])
    # more output slots than candidates: padded
    out = run_nms(boxes[:, :3], scores[:, :3], classes[:, :3], 0.5, 0.0, max_det=10)
    assert out["boxes"].shape == (2, 10, 4) and (out["classes"][:, 3:] == -1).all()
    # only the top-k candidates by score are considered
    out = run_nms(boxes, scores, classes, 0.99, 0.0, max_det=60, topk=7)
    assert out["num_detections"].tolist() == [7, 7]


def test_pairwise_iou_matches_numpy():
    boxes, _, _ = random_case(4, n_images=1, n_boxes=30)
    ours = keras.ops.convert_to_numpy(pairwise_iou(boxes[0], boxes[0]))
    np.testing.assert_allclose(ours, iou_matrix(boxes[0], boxes[0]), atol=1e-6)


def compiled(fn):
    """``fn`` compiled by the active backend (tf.function or jax.jit), as inside predict."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(fn)
    import tensorflow as tf

    # No AutoGraph: the NMS has no Python control flow on tensors (ops.cond is explicit), and
    # AutoGraph's conversion cache was seen to hand back another function's conversion late
    # in a long test session (tf__pick called with 7 arguments).
    return tf.function(fn, autograph=False)


@pytest.mark.parametrize("conf", [0.95, 0.7, 0.2])  # ~15, ~90, ~240 of 300 candidates valid
def test_leading_block_sizes_give_the_greedy_result_compiled(conf):
    boxes, scores, classes = random_case(7, n_images=2, n_boxes=300)
    scores[1] *= 0.97  # the second image has fewer valid candidates

    def nms(b, s, c):
        return batched_nms(b, s, c, 0.5, conf, 300, 1000)

    out = {
        k: keras.ops.convert_to_numpy(v) for k, v in compiled(nms)(boxes, scores, classes).items()
    }
    for n in range(len(boxes)):
        ref = greedy_reference(boxes[n], scores[n], classes[n], 0.5, conf)
        k = int(out["num_detections"][n])
        assert k == len(ref) > 0
        np.testing.assert_array_equal(out["scores"][n, :k], scores[n, ref])
        np.testing.assert_array_equal(out["classes"][n, :k], classes[n, ref])
