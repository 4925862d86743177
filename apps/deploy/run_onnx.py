"""Detect or segment one image with a zoo ``.onnx`` export: onnxruntime + numpy + OpenCV only.

The file holds the whole model (resize, normalisation, network, decoding + NMS or argmax) and
says what it is in its ``metadata_props["zoo"]``.

Example:
    $ zoo export yolo-wildlife --format onnx --out wildlife.onnx
    $ python apps/deploy/run_onnx.py wildlife.onnx photo.jpg --out boxes.jpg
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import onnxruntime as ort
from common import read_rgb, report_detections, report_mask


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model")
    p.add_argument("image")
    p.add_argument("--out", default=None, help="annotated image (detection) or mask PNG")
    p.add_argument("--conf", type=float, default=0.25)
    p.add_argument("--iou", type=float, default=0.45)
    args = p.parse_args()

    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    meta = json.loads(session.get_modelmeta().custom_metadata_map["zoo"])
    image = read_rgb(args.image)
    feeds = {"images": image[None]}
    if meta["task"] == "detection":
        feeds.update(conf=np.array(args.conf, np.float32), iou=np.array(args.iou, np.float32))
    names = [o.name for o in session.get_outputs()]
    out = dict(zip(names, session.run(None, feeds), strict=True))
    if meta["task"] == "detection":
        report_detections(meta, image, out, args.out)
    else:
        report_mask(meta, out["mask"][0], args.out)


if __name__ == "__main__":
    main()
