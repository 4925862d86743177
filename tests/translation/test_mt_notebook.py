"""Execute notebooks/translation.ipynb with nbclient and check what each part produced.

It runs against ``rnnsearch-multi30k-en-de`` (skipped, saying why, until
``weights/manifest.json`` has it) and the Multi30k data of ``$ZOO_DATA``.
``ZOO_NOTEBOOK_MODEL=path.keras`` runs it with another RNNsearch model, e.g.
``runs/rnnsearch-multi30k-en-de/best.keras`` while training is in progress.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from zoo.weights import manifest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "translation.ipynb"
DEFAULT = "rnnsearch-multi30k-en-de"


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out["text"])
            elif "data" in out:
                parts.append(out["data"].get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.data
def test_notebook_executes(zoo_data):
    model = os.environ.get("ZOO_NOTEBOOK_MODEL", DEFAULT)
    if model == DEFAULT and model not in manifest():
        pytest.skip(
            f"{DEFAULT} is not in weights/manifest.json yet; "
            "set ZOO_NOTEBOOK_MODEL=path.keras to run the notebook with another RNNsearch model"
        )
    if not (zoo_data / "multi30k").is_dir():
        pytest.skip(f"Multi30k not found in {zoo_data} (set ZOO_DATA)")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError, with the failing cell, on any error

    text = _text(nb)
    assert f"{model}: rnnsearch " in text
    assert text.count("greedy:    ") == 4 and text.count("beam 5:    ") == 4
    assert "attention of " in text and "source pieces, saved" in text
    assert "BLEU on 50 test sentences (beam 5" in text and "nrefs:1|case:mixed" in text
    assert "fine-tuned 3 steps on 48 training pairs" in text and "after fine-tuning:" in text
    images = [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(images) == 1  # the attention plot
