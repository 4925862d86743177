"""What both deploy scripts share: the command line, reading an image, writing results.

Only numpy and OpenCV: this folder shows an app that uses a zoo export without zoo.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import cv2
import numpy as np


def read_rgb(path: str) -> np.ndarray:
    """An image file as RGB uint8; exits with one line on stderr when it cannot be read."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        sys.exit(f"{path}: not a readable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def report_detections(meta: dict, image: np.ndarray, out: dict, out_path: str | None) -> None:
    """Print one JSON line per detection; draw them into ``out_path`` when given."""
    k = int(out["num_detections"][0])
    canvas = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    found = zip(out["boxes"][0, :k], out["scores"][0, :k], out["classes"][0, :k], strict=True)
    for box, score, label in found:
        name = meta["class_names"][int(label)]
        print(json.dumps({"class": name, "score": round(float(score), 4),
                          "box": [round(float(v), 1) for v in box]}))  # fmt: skip
        x1, y1, x2, y2 = (round(float(v)) for v in box)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), (0, 200, 0), 2)
        cv2.putText(canvas, f"{name} {score:.2f}", (x1, max(12, y1 - 4)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 200, 0), 1)  # fmt: skip
    if out_path:
        cv2.imwrite(out_path, canvas)


def report_mask(meta: dict, mask: np.ndarray, out_path: str | None) -> None:
    """Print each class's share of the pixels; write the class-index mask PNG when asked."""
    counts = np.bincount(mask.ravel(), minlength=len(meta["class_names"]))
    for name, count in zip(meta["class_names"], counts, strict=False):
        print(json.dumps({"class": name, "fraction": round(float(count) / mask.size, 4)}))
    if out_path:
        cv2.imwrite(out_path, mask.astype(np.uint8))


def main(description: str, open_model: Callable[[str], tuple[dict, Callable[..., dict]]]) -> None:
    """The deploy scripts' command line: ``MODEL IMAGE [--out PATH] [--conf C] [--iou I]``.

    ``open_model(path)`` returns the file's zoo metadata and a function that runs it on named
    input arrays and returns its named outputs.
    """
    p = argparse.ArgumentParser(description=description.split("\n\n")[0])
    p.add_argument("model")
    p.add_argument("image")
    p.add_argument("--out", default=None, help="annotated image (detection) or mask PNG")
    p.add_argument("--conf", type=float, default=0.25)
    p.add_argument("--iou", type=float, default=0.45)
    args = p.parse_args()

    meta, run = open_model(args.model)
    image = read_rgb(args.image)
    feeds = {"images": image[None]}
    if meta["task"] == "detection":
        feeds.update(conf=np.array(args.conf, np.float32), iou=np.array(args.iou, np.float32))
    out = run(**feeds)
    if meta["task"] == "detection":
        report_detections(meta, image, out, args.out)
    else:
        report_mask(meta, out["mask"][0], args.out)
