"""Detect or segment one image with a zoo ``.tflite`` export: ai-edge-litert + numpy + OpenCV.

The file holds the whole model (resize, normalisation, network, decoding + NMS or argmax) and
says what it is in its LiteRT metadata entry ``zoo`` (JSON).

Example:
    $ zoo export fcn8s-camvid --format litert --out camvid.tflite
    $ python apps/deploy/run_litert.py camvid.tflite street.png --out mask.png
"""

from __future__ import annotations

import json
from pathlib import Path

from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter
from common import main


def zoo_metadata(data: bytes) -> dict:
    """The JSON the exporter stored under the model metadata name ``zoo``."""
    model = schema.Model.GetRootAs(data, 0)
    for i in range(model.MetadataLength()):
        if model.Metadata(i).Name() == b"zoo":
            buffer = model.Buffers(model.Metadata(i).Buffer())
            return json.loads(buffer.DataAsNumpy().tobytes())
    raise SystemExit("no zoo metadata in this file")


def open_litert(path: str):
    """The file's zoo metadata and its signature runner."""
    data = Path(path).read_bytes()
    return zoo_metadata(data), Interpreter(model_content=data).get_signature_runner()


if __name__ == "__main__":
    main(__doc__, open_litert)
