"""Reference COCO AP from pycocotools (COCOeval) for the same ground truth and detections."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

pycocotools = pytest.importorskip("pycocotools")

from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


def _xywh(box: np.ndarray) -> list[float]:
    x1, y1, x2, y2 = (float(v) for v in np.asarray(box, np.float64))
    return [x1, y1, x2 - x1, y2 - y1]


def pycocotools_ap(gt: list[dict], dets: list[dict], n_classes: int) -> dict[str, float]:
    """COCOeval bbox stats; image ``i`` gets id ``i + 1``, class ``c`` category ``c + 1``."""
    images, anns = [], []
    for i, g in enumerate(gt):
        images.append({"id": i + 1, "width": 1000, "height": 1000, "file_name": f"{i}.jpg"})
        diff = g.get("difficult")
        diff = np.zeros(len(g["boxes"]), bool) if diff is None else diff
        for box, label, crowd in zip(g["boxes"], g["labels"], diff, strict=True):
            xywh = _xywh(box)
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i + 1,
                    "category_id": int(label) + 1,
                    "bbox": xywh,
                    "area": xywh[2] * xywh[3],
                    "iscrowd": int(crowd),
                }
            )
    cats = [{"id": c + 1, "name": str(c)} for c in range(n_classes)]
    results = [
        {"image_id": i + 1, "category_id": int(lab) + 1, "bbox": _xywh(b), "score": float(s)}
        for i, d in enumerate(dets)
        for b, s, lab in zip(d["boxes"], d["scores"], d["labels"], strict=True)
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = {"images": images, "annotations": anns, "categories": cats}
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {"coco_ap": ev.stats[0], "coco_ap50": ev.stats[1], "coco_ap75": ev.stats[2]}
