"""Execute notebooks/segmentation.ipynb with nbclient and check what each part produced.

It runs against ``fcn8s-camvid`` (skipped, saying why, until ``weights/manifest.json`` has it)
and the CamVid data of ``$ZOO_DATA``. ``ZOO_NOTEBOOK_MODEL=path.keras`` runs it with another
CamVid model, e.g. ``runs/fcn8s-camvid/last.keras`` while training is in progress.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from zoo.data.paths import data_root
from zoo.weights import manifest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "segmentation.ipynb"


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
def test_notebook_executes():
    model = os.environ.get("ZOO_NOTEBOOK_MODEL", "fcn8s-camvid")
    if model == "fcn8s-camvid" and model not in manifest():
        pytest.skip(
            "fcn8s-camvid is not in weights/manifest.json yet; "
            "set ZOO_NOTEBOOK_MODEL=path.keras to run the notebook with another CamVid model"
        )
    if not (data_root() / "camvid" / "val").is_dir():
        pytest.skip(f"CamVid not found in {data_root()} (set ZOO_DATA)")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError, with the failing cell, on any error

    text = _text(nb)
    assert f"{model}: fcn8s" in text
    assert "4 CamVid val images" in text and "generated scenes" not in text
    assert "mIoU on 4 images:" in text
    assert "fine-tuned 3 classes ['road', 'sky', 'other']" in text
    images = [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(images) == 2  # the overlay, and the fine-tuned model's overlay
