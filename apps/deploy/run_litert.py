"""Detect or segment one image with a zoo ``.tflite`` export: ai-edge-litert + numpy + OpenCV.

The file holds the whole model (resize, normalisation, network, decoding + NMS or argmax) and
says what it is in its LiteRT metadata entry ``zoo`` (JSON).

Example:
    $ zoo export fcn8s-camvid --format litert --out camvid.tflite
    $ python apps/deploy/run_litert.py camvid.tflite street.png --out mask.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter
from common import read_rgb, report_detections, report_mask


def zoo_metadata(data: bytes) -> dict:
    """The JSON the exporter stored under the model metadata name ``zoo``."""
    model = schema.Model.GetRootAs(data, 0)
    for i in range(model.MetadataLength()):
        if model.Metadata(i).Name() == b"zoo":
            buffer = model.Buffers(model.Metadata(i).Buffer())
            return json.loads(buffer.DataAsNumpy().tobytes())
    raise SystemExit("no zoo metadata in this file")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model")
    p.add_argument("image")
    p.add_argument("--out", default=None, help="annotated image (detection) or mask PNG")
    p.add_argument("--conf", type=float, default=0.25)
    p.add_argument("--iou", type=float, default=0.45)
    args = p.parse_args()

    data = Path(args.model).read_bytes()
    meta = zoo_metadata(data)
    run = Interpreter(model_content=data).get_signature_runner()
    image = read_rgb(args.image)
    feeds = {"images": image[None]}
    if meta["task"] == "detection":
        feeds.update(conf=np.array(args.conf, np.float32), iou=np.array(args.iou, np.float32))
    out = run(**feeds)
    if meta["task"] == "detection":
        report_detections(meta, image, out, args.out)
    else:
        report_mask(meta, out["mask"][0], args.out)


if __name__ == "__main__":
    main()
