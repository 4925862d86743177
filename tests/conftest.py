"""Shared fixtures: the data folder, a fixed seed per test, and a notebook runner."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

from zoo.data.paths import data_root

ROOT = Path(__file__).resolve().parents[1]
# --import-mode=importlib leaves sys.path alone: put tests/ on it so that any test folder can
# import the shared helpers (`from foundation.helpers import ...`) whatever the collection order.
TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.append(TESTS)  # last, so that no test folder shadows an installed package


@pytest.fixture
def zoo_data():
    """The shared data folder; skips the test with a reason when it is absent."""
    root = data_root()
    if not root.is_dir():
        pytest.skip(f"shared data folder {root} not found (set ZOO_DATA)")
    return root


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    try:
        import keras

        keras.utils.set_random_seed(0)
    except ImportError:
        pass


def execute_notebook(name: str) -> tuple[str, list[dict]]:
    """Run ``notebooks/<name>.ipynb`` with nbclient, in the repository root, 240 s per cell.

    Returns the text of its outputs (streams and ``text/plain``, one part a line) and its
    ``image/png`` outputs. A failing cell raises ``CellExecutionError``, naming the cell.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    outputs = [out for cell in nb.cells for out in cell.get("outputs", [])]
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    return "\n".join(parts), images


@pytest.fixture
def run_notebook():
    """:func:`execute_notebook`: ``text, images = run_notebook("segmentation")``."""
    return execute_notebook
