"""Detect or segment one image with a zoo ``.onnx`` export: onnxruntime + numpy + OpenCV only.

The file holds the whole model (resize, normalisation, network, decoding + NMS or argmax) and
says what it is in its ``metadata_props["zoo"]``.

Example:
    $ zoo export yolo-wildlife --format onnx --out wildlife.onnx
    $ python apps/deploy/run_onnx.py wildlife.onnx photo.jpg --out boxes.jpg
"""

from __future__ import annotations

import json

import onnxruntime as ort
from common import main


def open_onnx(path: str):
    """The file's zoo metadata and a function running it on the CPU, outputs by name."""
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    meta = json.loads(session.get_modelmeta().custom_metadata_map["zoo"])
    names = [o.name for o in session.get_outputs()]

    def run(**feeds) -> dict:
        return dict(zip(names, session.run(None, feeds), strict=True))

    return meta, run


if __name__ == "__main__":
    main(__doc__, open_onnx)
