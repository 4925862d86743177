"""The fast path: a trained model exported once to LiteRT / ONNX and kept in ``ZOO_CACHE``.

``zoo detect`` runs the trained (manifest) detectors through LiteRT unless ``--runtime`` says
otherwise: the first run exports the model (a minute at most) into
``$ZOO_CACHE/exports/<sha256 of the weights>-<zoo version>.tflite``; later runs load it.
``zoo segment`` stays on Keras by default: FCN-8s measured slower in LiteRT and ONNX Runtime
than in Keras on our CPU (``apps/deploy/README.md``); ``--runtime`` still chooses.

Example:
    >>> path = cached_export("yolo-wildlife", "litert")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from zoo.errors import ZooError

SUFFIXES = {"litert": ".tflite", "onnx": ".onnx"}
NEEDS = {"litert": ("ai_edge_litert", "tensorflow"), "onnx": ("onnxruntime", "tf2onnx", "onnx")}


def runtime_available(runtime: str) -> bool:
    """Whether ``runtime``'s runner and exporter are installed."""
    return all(importlib.util.find_spec(m) is not None for m in NEEDS.get(runtime, ()))


# as apps/deploy/benchmark.py and apps/drive/benchmark.py measured
FASTEST = {"detection": "litert", "segmentation": "litert", "drive": "litert"}


def choose_runtime(name: str, runtime: str) -> str:
    """``auto``: the fastest measured runtime of a trained model's task when installed
    (:data:`FASTEST`), else Keras; ``"file"`` for an exported file."""
    from zoo.sources import resolve_source
    from zoo.weights import manifest

    name = resolve_source(name)
    if name.kind == "exported":
        return "file"
    if runtime != "auto":
        if runtime != "keras" and not runtime_available(runtime):
            missing = ", ".join(m for m in NEEDS[runtime] if importlib.util.find_spec(m) is None)
            raise ZooError(f"--runtime {runtime} needs {missing} (pip install 'zoo[export]')")
        return runtime
    fastest = FASTEST.get(manifest().get(str(name), {}).get("task"), "keras")
    return fastest if fastest == "keras" or runtime_available(fastest) else "keras"


def cached_export(name: str, runtime: str) -> Path:
    """The cached ``runtime`` export of the trained model or ``.keras`` file ``name``."""
    import zoo
    from zoo.export.metadata import source_record
    from zoo.weights import cache_dir

    sha = source_record(name)["sha256"]
    if sha is None:
        raise ZooError(f"{name}: not a trained model or .keras file; cannot cache an export")
    path = cache_dir() / "exports" / f"{sha[:16]}-zoo{zoo.__version__}{SUFFIXES[runtime]}"
    if not path.is_file():
        print(f"zoo: exporting {name} to {runtime} once (cached as {path})", file=sys.stderr)
        from zoo.backend import setup_backend
        from zoo.export import export_model

        setup_backend()
        export_model(name, runtime, path)
    return path
