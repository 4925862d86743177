"""Attention heatmaps as PNG files, drawn with OpenCV (no matplotlib).

One image per sentence: source subwords along the top (x, written vertically), target
subwords down the left (y); a cell's brightness is the attention weight (white = 1), as in
Figure 3 of Bahdanau et al. (2015). OpenCV's fonts are ASCII only, so labels are
transliterated (``▁`` becomes ``_``, accents are dropped, anything else becomes ``?``).

Example:
    >>> alignments = model.alignments(["A dog runs."])           # doctest: +SKIP
    >>> write_attention_plots(alignments, "runs/attention")       # doctest: +SKIP
    [PosixPath('runs/attention/attention_000.png')]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zoo.errors import ZooError

FONT_SCALE = 0.4
PAD = 6


def ascii_label(piece: str, limit: int = 16) -> str:
    """An ASCII rendering of a subword piece for OpenCV's Hershey fonts."""
    text = piece.replace("\u2581", "_")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(
        c if 32 <= ord(c) < 127 else ("" if unicodedata.combining(c) else "?") for c in text
    )
    return text[:limit] if len(text) <= limit else text[: limit - 2] + ".."


def attention_image(
    weights: np.ndarray, source_pieces: Sequence[str], target_pieces: Sequence[str], cell: int = 24
) -> np.ndarray:
    """Draw ``weights`` (target x source) with labels; returns a BGR ``uint8`` image."""
    import cv2

    weights = np.asarray(weights, dtype=np.float32)
    if weights.ndim != 2:
        raise ZooError(f"attention weights must be 2-D (target, source), got {weights.shape}")
    rows, cols = weights.shape
    src = [ascii_label(p) for p in list(source_pieces)[:cols]] + [""] * max(
        0, cols - len(source_pieces)
    )
    tgt = [ascii_label(p) for p in list(target_pieces)[:rows]] + [""] * max(
        0, rows - len(target_pieces)
    )
    font = cv2.FONT_HERSHEY_SIMPLEX

    def width(text: str) -> int:
        return cv2.getTextSize(text, font, FONT_SCALE, 1)[0][0] if text else 0

    left = max([width(t) for t in tgt] + [10]) + 2 * PAD
    top = max([width(s) for s in src] + [10]) + 2 * PAD
    image = np.full((top + rows * cell + PAD, left + cols * cell + PAD, 3), 255, np.uint8)
    if rows and cols:
        heat = np.clip(weights, 0.0, 1.0) * 255.0
        heat = cv2.resize(
            heat.astype(np.uint8), (cols * cell, rows * cell), interpolation=cv2.INTER_NEAREST
        )
        image[top : top + rows * cell, left : left + cols * cell] = heat[:, :, None]
        cv2.rectangle(
            image, (left - 1, top - 1), (left + cols * cell, top + rows * cell), (128, 128, 128), 1
        )
    baseline = int(cell * 0.5 + 4)
    for i, label in enumerate(tgt):
        x = left - PAD - width(label)
        cv2.putText(
            image,
            label,
            (x, top + i * cell + baseline),
            font,
            FONT_SCALE,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    for j, label in enumerate(src):
        strip = np.full((cell, top - PAD, 3), 255, np.uint8)
        cv2.putText(strip, label, (PAD, baseline), font, FONT_SCALE, (0, 0, 0), 1, cv2.LINE_AA)
        strip = cv2.rotate(strip, cv2.ROTATE_90_COUNTERCLOCKWISE)  # reads bottom to top
        image[: top - PAD, left + j * cell : left + (j + 1) * cell] = strip
    return image


def save_attention_plot(
    weights: np.ndarray,
    source_pieces: Sequence[str],
    target_pieces: Sequence[str],
    path: str | Path,
    cell: int = 24,
) -> Path:
    """Write one heatmap PNG to ``path``; :class:`ZooError` if it cannot be written."""
    import cv2

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = attention_image(weights, source_pieces, target_pieces, cell)
    if not cv2.imwrite(str(path), image):
        raise ZooError(f"{path}: could not write the attention plot")
    return path


def write_attention_plots(
    alignments: Sequence, out_dir: str | Path, prefix: str = "attention", cell: int = 24
) -> list[Path]:
    """Write ``{prefix}_{i:03d}.png`` for each :class:`~zoo.translation.rnnsearch.Alignment`."""
    out_dir = Path(out_dir)
    return [
        save_attention_plot(
            a.weights, a.source_pieces, a.target_pieces, out_dir / f"{prefix}_{i:03d}.png", cell
        )
        for i, a in enumerate(alignments)
    ]
