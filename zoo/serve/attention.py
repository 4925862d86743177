"""Attention of an exported translator over its source, for the page's heatmap.

Exported files give no attention from their search, so the decoder step is run once more,
forced along the translation's own pieces (one sentence, batch 1): each step's ``attention``
output is the row of the piece it emits.

Example:
    >>> forced_attention(model, "Two dogs.", "Deux chiens.")["weights"]  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from zoo.translation.subwords import BOS_ID


def forced_attention(model, text: str, translation: str) -> dict | None:
    """``{"source", "target", "weights"}``: the pieces and a target x source matrix (eos
    included on both sides); None for a line longer than the model's window."""
    if getattr(model, "step_runner", None) is None:
        return None
    codec = model.codec
    if codec.count(text) > codec.max_tokens - 2:
        return None
    src, tgt = codec.encode([text, translation], add_eos=True)
    enc = model.runner.run(source_ids=np.asarray([src], np.int32))
    state, mask = enc["state"], np.ones((1, len(src)), np.float32)
    prev, rows = BOS_ID, []
    for token in tgt:
        out = model.step_runner.run(
            prev_ids=np.asarray([prev], np.int32),
            state=state,
            keys=enc["keys"],
            annotations=enc["annotations"],
            mask=mask,
        )
        rows.append(np.asarray(out["attention"][0], np.float32))
        state, prev = out["new_state"], token
    pieces = codec.processor.id_to_piece
    return {
        "source": [pieces(int(i)) for i in src],
        "target": [pieces(int(i)) for i in tgt],
        "weights": np.round(np.stack(rows).astype(np.float64), 4).tolist(),
    }
