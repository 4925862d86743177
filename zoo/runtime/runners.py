"""One small class per runtime: open an exported file, read its metadata, run it on numpy.

Each runner has ``metadata`` (the dict written by :mod:`zoo.export.metadata`), ``fmt`` and
``run(**inputs) -> dict`` of numpy arrays by output name. ONNX Runtime and LiteRT are
imported only by their own runner; only :class:`SavedModelRunner` imports TensorFlow.

Example:
    >>> runner = open_runner(Path("det.onnx"), "onnx")  # doctest: +SKIP
    >>> runner.run(images=batch, conf=np.float32(0.25), iou=np.float32(0.45))["boxes"]
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np

from zoo.errors import WeightsError

METADATA_KEY = "zoo"
SAVED_MODEL_METADATA = "zoo_metadata.json"


def default_threads() -> int:
    """Threads for a runtime: ``ZOO_THREADS``, else every core."""
    return int(os.environ.get("ZOO_THREADS", 0)) or os.cpu_count() or 1


@contextlib.contextmanager
def _quiet_stderr():
    """Keep native libraries' one-line notices (LiteRT's "Created TensorFlow Lite XNNPACK
    delegate for CPU.") off stderr: file descriptor 2 points at /dev/null meanwhile."""
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class OnnxRunner:
    """An ONNX Runtime CPU session."""

    fmt = "onnx"

    def __init__(self, path: Path, threads: int | None = None):
        import onnxruntime as ort

        self.path, self.threads = path, threads
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise WeightsError(f"{path}: not a loadable ONNX model ({exc})") from exc
        props = self.session.get_modelmeta().custom_metadata_map
        self.metadata = json.loads(props.get(METADATA_KEY, "{}"))
        self.output_names = [o.name for o in self.session.get_outputs()]

    def run(self, **inputs) -> dict[str, np.ndarray]:
        return dict(zip(self.output_names, self.session.run(None, inputs), strict=True))


def tflite_metadata(data: bytes) -> dict:
    """The zoo metadata JSON inside a ``.tflite`` flatbuffer (``{}`` when there is none)."""
    from ai_edge_litert import schema_py_generated as fb

    model = fb.Model.GetRootAs(data, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if entry.Name() == METADATA_KEY.encode():
            return json.loads(model.Buffers(entry.Buffer()).DataAsNumpy().tobytes())
    return {}


class LiteRTRunner:
    """A LiteRT interpreter (XNNPACK on CPU) on the file's one signature.

    Input shapes follow each call's arrays. Tensors are resized and re-planned only when a
    shape changes: LiteRT's signature runner re-plans the whole graph on every call, which
    costs about as much as the network itself at batch 1 for a small detector.
    """

    fmt = "litert"

    def __init__(self, path: Path, threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        self.path, self.threads = path, threads
        data = path.read_bytes()
        try:
            self.metadata = tflite_metadata(data)
            with _quiet_stderr():
                self.interpreter = Interpreter(
                    model_content=data, num_threads=threads or default_threads()
                )
        except Exception as exc:
            raise WeightsError(f"{path}: not a loadable LiteRT model ({exc})") from exc
        runner = self.interpreter.get_signature_runner()
        self.inputs = {k: v["index"] for k, v in runner.get_input_details().items()}
        self.outputs = {k: v["index"] for k, v in runner.get_output_details().items()}
        self.shapes: dict[str, tuple] = {}

    def run(self, **inputs) -> dict[str, np.ndarray]:
        it = self.interpreter
        shapes = {k: np.shape(v) for k, v in inputs.items()}
        if shapes != self.shapes:
            for name, shape in shapes.items():
                it.resize_tensor_input(self.inputs[name], shape, strict=False)
            with _quiet_stderr() if not self.shapes else contextlib.nullcontext():
                it.allocate_tensors()  # the first applies the XNNPACK delegate
            self.shapes = shapes
        for name, value in inputs.items():
            it.set_tensor(self.inputs[name], value)
        it.invoke()
        return {k: it.get_tensor(i) for k, i in self.outputs.items()}


class SavedModelRunner:
    """A TensorFlow SavedModel's ``serving_default`` signature (imports TensorFlow)."""

    fmt = "tf_saved_model"

    def __init__(self, path: Path, threads: int | None = None):
        meta = path / "assets" / SAVED_MODEL_METADATA
        self.metadata = json.loads(meta.read_text()) if meta.is_file() else {}
        self.assets = path / "assets"
        import tensorflow as tf

        try:
            self.model = tf.saved_model.load(str(path))
        except Exception as exc:
            raise WeightsError(f"{path}: not a loadable SavedModel ({exc})") from exc
        self.function = self.model.signatures["serving_default"]

    def run(self, **inputs) -> dict[str, np.ndarray]:
        return {k: v.numpy() for k, v in self.function(**inputs).items()}


RUNNERS = {"onnx": OnnxRunner, "litert": LiteRTRunner, "tf_saved_model": SavedModelRunner}


def open_runner(path: Path, fmt: str, threads: int | None = None):
    """The runner of ``fmt`` on ``path``."""
    return RUNNERS[fmt](path, threads)
