"""Execute notebooks/translation.ipynb with nbclient and check what each part produced.

It runs against ``rnnsearch-multi30k-en-de`` (skipped, saying why, until
``weights/manifest.json`` has it) and the Multi30k data of ``$ZOO_DATA``.
``ZOO_NOTEBOOK_MODEL=path.keras`` runs it with another RNNsearch model, e.g.
``runs/rnnsearch-multi30k-en-de/best.keras`` while training is in progress.
"""

from __future__ import annotations

import os

import pytest

from zoo.weights import manifest

DEFAULT = "rnnsearch-multi30k-en-de"


@pytest.mark.slow
@pytest.mark.data
def test_notebook_executes(zoo_data, run_notebook):
    model = os.environ.get("ZOO_NOTEBOOK_MODEL", DEFAULT)
    if model == DEFAULT and model not in manifest():
        pytest.skip(
            f"{DEFAULT} is not in weights/manifest.json yet; "
            "set ZOO_NOTEBOOK_MODEL=path.keras to run the notebook with another RNNsearch model"
        )
    if not (zoo_data / "multi30k").is_dir():
        pytest.skip(f"Multi30k not found in {zoo_data} (set ZOO_DATA)")

    text, images = run_notebook("translation")  # CellExecutionError, naming the cell, on any error
    assert f"{model}: rnnsearch " in text
    assert text.count("greedy:    ") == 4 and text.count("beam 5:    ") == 4
    assert "attention of " in text and "source pieces, saved" in text
    assert "BLEU on 50 test sentences (beam 5" in text and "nrefs:1|case:mixed" in text
    assert "fine-tuned 3 steps on 48 training pairs" in text and "after fine-tuning:" in text
    assert len(images) == 1  # the attention plot
