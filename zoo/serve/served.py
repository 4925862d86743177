"""The models a server holds: each loaded once in its fastest runtime, with the function the
batcher calls and what the protocol says about its inputs and outputs.

Example:
    >>> served = load_served("yolo-fastest-xl-coco")  # doctest: +SKIP
    >>> served.run([Picture(image, 1.0, 1.0)], {"conf": 0.25})  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import sys
from typing import ClassVar

import numpy as np

from zoo.errors import ZooError

# Runtimes measured fastest per task beyond zoo.runtime.cache.FASTEST (apps/deploy/README.md:
# LiteRT translated 2-5x faster than Keras).
SERVE_RUNTIME = {"translation": "litert"}
# Segmentation runs at the image's own size: larger uploads are brought down to this long side.
SEGMENT_MAX_SIDE = 1024
IMAGE_INPUTS = [
    {"name": "image", "datatype": "UINT8", "shape": [-1, -1, -1, 3]},
    {"name": "image_file", "datatype": "BYTES", "shape": [-1]},
]


@dataclasses.dataclass
class Picture:
    """A decoded RGB upload and the factors from its pixels to the original's."""

    array: np.ndarray
    scale_x: float = 1.0
    scale_y: float = 1.0
    width: int = 0  # the original's size
    height: int = 0


class ServedModel:
    """A loaded model: ``name``, ``task``, ``runtime``, ``run(inputs, settings)``."""

    task = ""
    inputs: ClassVar[list] = []
    outputs: ClassVar[list] = []

    def __init__(self, name: str, model, runtime: str, path=None, threads: int | None = None):
        self.name, self.model, self.runtime = name, model, runtime
        self.class_names = list(getattr(model, "class_names", []) or [])
        self.path, self.threads = path, threads
        self._by_batch: dict[int, object] = {}

    def model_for(self, batch: int):
        """The model to run a batch of ``batch`` on. LiteRT re-plans every tensor when the
        batch size changes, which dynamic batching does call after call: a LiteRT file gets
        one interpreter per batch size, each planned once."""
        if self.runtime != "litert" or self.path is None:
            return self.model
        if batch not in self._by_batch:
            from zoo.runtime import load_exported

            self._by_batch[batch] = (
                self.model if not self._by_batch else load_exported(self.path, self.threads)
            )
        return self._by_batch[batch]

    def metadata(self) -> dict:
        """The v2 model metadata (``GET /v2/models/{name}``)."""
        return {
            "name": self.name,
            "versions": ["1"],
            "platform": f"zoo-{self.task}-{self.runtime}",
            "inputs": self.inputs,
            "outputs": self.outputs,
            "parameters": self.parameters(),
        }

    def parameters(self) -> dict:
        return {"task": self.task, "runtime": self.runtime}

    def run(self, inputs: list, settings: dict) -> list:
        raise NotImplementedError


class ServedDetector(ServedModel):
    task = "detection"
    inputs: ClassVar[list] = IMAGE_INPUTS
    outputs: ClassVar[list] = [
        {"name": "boxes", "datatype": "FP32", "shape": [-1, -1, 4]},
        {"name": "scores", "datatype": "FP32", "shape": [-1, -1]},
        {"name": "classes", "datatype": "INT64", "shape": [-1, -1]},
        {"name": "num_detections", "datatype": "INT32", "shape": [-1]},
        {"name": "class_names", "datatype": "BYTES", "shape": [-1, -1]},
    ]
    SETTINGS: ClassVar[dict] = {
        "conf": (float, 0.0, 1.0),
        "iou": (float, 0.0, 1.0),
        "max_det": (int, 1, 1000),
    }

    @property
    def reduce_to(self) -> int:
        """Uploads are decoded at reduced size down to twice the network's side."""
        return 2 * max(self.model.input_size)

    def parameters(self) -> dict:
        return {
            **super().parameters(),
            "input_size": list(self.model.input_size),
            "class_names": self.class_names,
        }

    def run(self, inputs: list[Picture], settings: dict) -> list[dict]:
        n = max(len(inputs), 1)
        dets = self.model_for(n).detect([p.array for p in inputs], batch_size=n, **settings)
        for p, det in zip(inputs, dets, strict=True):
            det["boxes"] = det["boxes"] * np.float32([p.scale_x, p.scale_y] * 2)
        return dets


class ServedSegmenter(ServedModel):
    task = "segmentation"
    inputs: ClassVar[list] = IMAGE_INPUTS
    outputs: ClassVar[list] = [{"name": "mask", "datatype": "UINT8", "shape": [-1, -1, -1]}]
    SETTINGS: ClassVar[dict] = {}
    reduce_to = SEGMENT_MAX_SIDE // 2

    def parameters(self) -> dict:
        from zoo.segmentation.overlay import palette_for

        return {
            **super().parameters(),
            "class_names": self.class_names,
            "palette": palette_for(self.class_names).tolist(),
            "ignore_index": getattr(self.model, "ignore_index", None),
        }

    def run(self, inputs: list[Picture], settings: dict) -> list[np.ndarray]:
        return self.model.segment([p.array for p in inputs], batch_size=max(len(inputs), 1))


class ServedTranslator(ServedModel):
    task = "translation"
    inputs: ClassVar[list] = [{"name": "text", "datatype": "BYTES", "shape": [-1]}]
    outputs: ClassVar[list] = [{"name": "translation", "datatype": "BYTES", "shape": [-1]}]
    SETTINGS: ClassVar[dict] = {"beam": (int, 1, 16)}

    def parameters(self) -> dict:
        return {**super().parameters(), "languages": list(self.model.languages or [])}

    def run(self, inputs: list[str], settings: dict) -> list:
        settings = dict(settings)
        attention = settings.pop("attention", False)
        out = self.model.translate(inputs, batch_size=max(len(inputs), 1), **settings)
        if not attention:
            return out
        from zoo.serve.attention import forced_attention

        return [
            {"translation": t, "attention": forced_attention(self.model, s, t)}
            for s, t in zip(inputs, out, strict=True)
        ]


CLASSES = {c.task: c for c in (ServedDetector, ServedSegmenter, ServedTranslator)}


def served_runtime(name: str) -> str:
    """Where ``name`` runs when served: ``"file"`` (an exported file), ``"litert"``,
    ``"onnx"`` or ``"keras"``."""
    from zoo.runtime.cache import choose_runtime, runtime_available
    from zoo.weights import manifest

    runtime = choose_runtime(name, "auto")
    fastest = SERVE_RUNTIME.get(manifest().get(name, {}).get("task"))
    if runtime == "keras" and fastest and runtime_available(fastest):
        return fastest
    return runtime


def load_served(name: str, threads: int | None = None) -> ServedModel:
    """Load ``name`` (a trained model, ``.keras`` or exported file) in its fastest runtime."""
    import zoo
    from zoo.runtime import exported_format, load_exported
    from zoo.runtime.cache import cached_export

    runtime, path = served_runtime(name), None
    if runtime == "file":
        path, runtime = name, exported_format(name)
        model = load_exported(path, threads)
    elif runtime in ("litert", "onnx"):
        path = cached_export(name, runtime)
        model = load_exported(path, threads)
    else:
        model = zoo.load(name)
    task = getattr(model, "task", None)
    if task not in CLASSES:
        raise ZooError(
            f"{name}: a {task or 'non-zoo'} model; zoo serve serves {', '.join(CLASSES)}"
        )
    if task == "detection" and runtime == "keras":
        model = model.for_inference()
    print(f"zoo serve: {name} ({task}) in {runtime}", file=sys.stderr)
    return CLASSES[task](name, model, runtime, path, threads)
