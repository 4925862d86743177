"""Random ground truth and noisy detections for metric tests."""

from __future__ import annotations

import numpy as np


def random_boxes(rng: np.random.Generator, n: int, size: float = 640) -> np.ndarray:
    xy = rng.uniform(0, size * 0.8, (n, 2))
    wh = rng.uniform(4, size * 0.3, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype(np.float32)


def synthetic_case(
    seed: int = 0, n_images: int = 25, n_classes: int = 5, crowd_rate: float = 0.08
) -> tuple[list[dict], list[dict]]:
    """GT (with some difficult/crowd boxes) and detections: jittered copies, duplicates,
    wrong labels, random false positives, an image with >100 detections of one class and a
    class that has detections but no ground truth (the last class)."""
    rng = np.random.default_rng(seed)
    gt, dets = [], []
    for i in range(n_images):
        n = int(rng.integers(0, 9))
        boxes = random_boxes(rng, n)
        labels = rng.integers(0, n_classes - 1, n)
        difficult = rng.random(n) < crowd_rate
        gt.append({"boxes": boxes, "labels": labels, "difficult": difficult})
        d_boxes, d_labels = [], []
        for b, lab in zip(boxes, labels, strict=True):
            for _ in range(int(rng.choice([0, 1, 1, 1, 2]))):
                wh = b[2:] - b[:2]
                d_boxes.append(b + rng.normal(0, 0.08, 4) * np.concatenate([wh, wh]))
                wrong = rng.random() < 0.1
                d_labels.append(int(rng.integers(0, n_classes)) if wrong else int(lab))
        n_fp = int(rng.integers(0, 5)) if i != 3 else 130
        d_boxes += list(random_boxes(rng, n_fp))
        d_labels += [int(rng.integers(0, n_classes)) if i != 3 else 0 for _ in range(n_fp)]
        d_boxes = np.array(d_boxes, np.float32).reshape(-1, 4)
        d_boxes[:, 2:] = np.maximum(d_boxes[:, 2:], d_boxes[:, :2] + 1)
        dets.append(
            {
                "boxes": d_boxes,
                "scores": rng.random(len(d_boxes)),
                "labels": np.array(d_labels, np.int64),
            }
        )
    return gt, dets
