"""Execute notebooks/segmentation.ipynb with nbclient and check what each part produced.

It runs against ``fcn8s-camvid`` (skipped, saying why, until ``weights/manifest.json`` has it)
and the CamVid data of ``$ZOO_DATA``. ``ZOO_NOTEBOOK_MODEL=path.keras`` runs it with another
CamVid model, e.g. ``runs/fcn8s-camvid/last.keras`` while training is in progress.
"""

from __future__ import annotations

import os
import re

import pytest

from zoo.data.paths import data_root
from zoo.weights import manifest


@pytest.mark.slow
@pytest.mark.data
def test_notebook_executes(run_notebook):
    model = os.environ.get("ZOO_NOTEBOOK_MODEL", "fcn8s-camvid")
    if model == "fcn8s-camvid" and model not in manifest():
        pytest.skip(
            "fcn8s-camvid is not in weights/manifest.json yet; "
            "set ZOO_NOTEBOOK_MODEL=path.keras to run the notebook with another CamVid model"
        )
    if not (data_root() / "camvid" / "val").is_dir():
        pytest.skip(f"CamVid not found in {data_root()} (set ZOO_DATA)")

    text, images = run_notebook("segmentation")  # CellExecutionError, naming the cell, on any error
    assert re.search(rf"{re.escape(model)}: fcn(8|4)s / ", text)
    assert "4 CamVid val images" in text and "generated scenes" not in text
    assert "mIoU on 4 images:" in text
    assert "fine-tuned 3 classes ['road', 'sky', 'other']" in text
    assert len(images) == 2  # the overlay, and the fine-tuned model's overlay
