"""The fast path: a trained model exported once to LiteRT / ONNX and kept in ``ZOO_CACHE``.

``zoo detect``, ``zoo segment`` and ``zoo drive`` run the trained (manifest) models through
their fastest measured runtime (:data:`FASTEST`) unless ``--runtime`` says otherwise: the first
run exports the model (a minute at most) into
``$ZOO_CACHE/exports/<sha256 of the weights>-zoo<version>-<layout>.tflite``; later runs load it.

Driving models are cached at a fixed batch of 1 for LiteRT (:data:`STATIC_BATCH`): with a
dynamic batch, the output shapes of their transposed convolutions are computed at run time,
LiteRT then treats everything after them as dynamic, and the network ran 1.9x slower (36.4
against 19.4 ms a frame at 480x352, ``docs/results/drive.md``). A fixed batch is padded by the
caller, so batch 1 wastes nothing on single images.

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


# (task, runtime) -> the fixed batch the cached export is made at (module docstring)
STATIC_BATCH = {("drive", "litert"): 1}
# the name of the cached files changes with what goes into them (2: STATIC_BATCH)
CACHE_LAYOUT = 2


def cached_export(name: str, runtime: str) -> Path:
    """The cached ``runtime`` export of the trained model or ``.keras`` file ``name``."""
    import zoo
    from zoo.export.metadata import source_record
    from zoo.weights import cache_dir

    sha = source_record(name)["sha256"]
    if sha is None:
        raise ZooError(f"{name}: not a trained model or .keras file; cannot cache an export")
    stem = f"{sha[:16]}-zoo{zoo.__version__}-{CACHE_LAYOUT}"
    path = cache_dir() / "exports" / f"{stem}{SUFFIXES[runtime]}"
    if not path.is_file():
        print(f"zoo: exporting {name} to {runtime} once (cached as {path})", file=sys.stderr)
        from zoo.api import load
        from zoo.backend import setup_backend
        from zoo.export import export_model

        setup_backend()
        model = load(name)
        batch = STATIC_BATCH.get((getattr(model, "task", None), runtime))
        export_model(name, runtime, path, batch=batch, model=model)
    return path
