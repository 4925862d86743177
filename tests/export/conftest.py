"""Exported default models, made once per test session and shared by the export tests.

``exported(name, fmt)`` exports the trained model ``name`` to ``fmt`` on first use (seconds to
a minute each) and returns the path; it skips the test when the runtime or exporter is not
installed.
"""

from __future__ import annotations

import importlib.util

import pytest

SUFFIXES = {"onnx": ".onnx", "litert": ".tflite", "tf_saved_model": ""}
NEEDS = {"onnx": ("tf2onnx", "onnx", "onnxruntime"), "litert": ("ai_edge_litert",)}
FORMATS = ("onnx", "litert", "tf_saved_model")


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """A function ``(model name, format) -> path`` of the exported file (cached)."""
    folder = tmp_path_factory.mktemp("exported")
    made: dict = {}

    def get(name: str, fmt: str):
        missing = [m for m in NEEDS.get(fmt, ()) if importlib.util.find_spec(m) is None]
        if missing:
            pytest.skip(f"{', '.join(missing)} not installed")
        if (name, fmt) not in made:
            from zoo.export import export_model

            made[name, fmt] = export_model(name, fmt, folder / f"{name}{SUFFIXES[fmt]}")
        return made[name, fmt]

    return get
