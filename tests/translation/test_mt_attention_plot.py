"""Attention heatmaps written with OpenCV."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.translation.attention_plot import (
    ascii_label,
    attention_image,
    save_attention_plot,
    write_attention_plots,
)
from zoo.translation.rnnsearch import Alignment

cv2 = pytest.importorskip("cv2")


def test_ascii_labels():
    assert ascii_label("\u2581caf\u00e9") == "_cafe"
    assert ascii_label("😀") == "?"
    assert ascii_label("x" * 40, limit=8) == "xxxxxx.."


def test_image_layout_and_brightness():
    weights = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]], np.float32)
    image = attention_image(
        weights, ["\u2581A", "\u2581dog", "</s>"], ["\u2581Un", "</s>"], cell=20
    )
    assert image.dtype == np.uint8 and image.ndim == 3
    height, width = image.shape[:2]
    # The bottom-right cell (0.5) is mid-grey, the one left of it too, the one before black.
    y = height - 6 - 10
    assert abs(int(image[y, width - 6 - 10, 0]) - 127) <= 2
    assert image[y, width - 6 - 50, 0] == 0


def test_one_png_per_sentence(tmp_path):
    alignments = [
        Alignment(
            "A dog.",
            "Un chien.",
            ["\u2581A", "\u2581dog", ".", "</s>"],
            ["\u2581Un", "\u2581chien", ".", "</s>"],
            np.eye(4, dtype=np.float32),
            -1.0,
        ),
        Alignment("", "", [], [], np.zeros((0, 0), np.float32), 0.0),
    ]
    paths = write_attention_plots(alignments, tmp_path / "plots")
    assert [p.name for p in paths] == ["attention_000.png", "attention_001.png"]
    first = cv2.imread(str(paths[0]))
    assert first is not None and first.shape[0] > 4 * 24 and first.shape[1] > 4 * 24


def test_model_alignments_plot(tiny_model, tmp_path):
    alignments = tiny_model.alignments(["The cat sees a red bird."])
    path = save_attention_plot(
        alignments[0].weights,
        alignments[0].source_pieces,
        alignments[0].target_pieces,
        tmp_path / "a.png",
    )
    assert cv2.imread(str(path)) is not None
