"""Beam search in numpy over an exported encoder and decoder step (no TensorFlow, no Keras).

The same search as :func:`zoo.translation.decode.beam_search`, step for step: finished
hypotheses stay in the beam (padding, unchanged score), candidates are ranked by
``log p / lp`` (GNMT ``((5 + len) / 6) ** alpha``, the length, or 1), pad and bos are banned,
eos is forced at ``floor(max_ratio * source length) + max_extra`` tokens, and the search stops
when every beam of every sentence has ended. Top-k breaks ties by the lower index, as
``tf.math.top_k`` does; everything is float32 as in the Keras graph. ``beam=1`` is greedy.

``encode(source_ids) -> {"annotations", "keys", "state"}`` and
``step(prev_ids, state, keys, annotations, mask) -> {"log_probs", "new_state", "attention"}``
are the two exported networks (:mod:`zoo.export.translation_graphs`), run by any runtime.

Example:
    >>> tokens, scores = beam_search(encode, step, source_ids, beam=5)  # doctest: +SKIP
    >>> tokens.shape  # (batch, n_best, steps): eos included, 0-padded  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from zoo.errors import ZooError
from zoo.translation.subwords import BOS_ID, EOS_ID, PAD_ID

NEG = np.float32(-1e9)
PENALTIES = ("gnmt", "length", "none")


def length_penalty(lengths, kind: str = "gnmt", alpha: float = 0.6) -> np.ndarray:
    """``lp(len)`` in float32: GNMT ``((5 + len) / 6) ** alpha``, ``len`` or 1."""
    lengths = np.asarray(lengths, np.float32)
    if kind == "gnmt":
        return np.power((np.float32(5.0) + lengths) / np.float32(6.0), np.float32(alpha))
    if kind == "length":
        return np.maximum(lengths, np.float32(1.0))
    return np.ones_like(lengths)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest of each row, largest first, ties to the lower index."""
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(scores, part, axis=1).min(axis=1)
    out = np.empty((len(scores), k), np.int64)
    for row, (values, low) in enumerate(zip(scores, kth, strict=True)):
        candidates = np.flatnonzero(values >= low)  # ascending index: stable sort keeps ties
        out[row] = candidates[np.argsort(-values[candidates], kind="stable")[:k]]
    return out


def beam_search(
    encode: Callable,
    step: Callable,
    source_ids: np.ndarray,
    beam: int = 5,
    kind: str = "gnmt",
    alpha: float = 0.6,
    max_ratio: float = 1.5,
    max_extra: int = 5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Search a padded ``(B, Ts)`` int32 id batch: ``tokens (B, beam, L)`` (eos included,
    0-padded), ``scores (B, beam)`` and ``lengths (B, beam)``, best hypothesis first."""
    if kind not in PENALTIES:
        raise ZooError(f"length_penalty {kind!r}: use one of {', '.join(PENALTIES)}")
    if beam < 1 or max_ratio < 0 or max_extra < 1:
        raise ZooError("need beam >= 1, max_ratio >= 0 and max_extra >= 1")
    src = np.asarray(source_ids, np.int32)
    batch, width = src.shape
    mask = src != PAD_ID
    src_len = mask.sum(axis=1).astype(np.float32)
    max_len = np.maximum(np.floor(src_len * np.float32(max_ratio)).astype(np.int32) + max_extra, 1)
    steps = max(1, int(np.floor(np.float32(width) * np.float32(max_ratio))) + int(max_extra))
    enc = encode(src)
    keys, annotations, state = (
        np.repeat(enc[k], beam, axis=0) for k in ("keys", "annotations", "state")
    )
    mask = np.repeat(mask.astype(np.float32), beam, axis=0)
    offsets = (np.arange(batch) * beam)[:, None]
    first = np.full((batch, beam), NEG, np.float32)
    first[:, 0] = 0.0
    logp_sum, scores = first, first.copy()
    prev = np.full(batch * beam, BOS_ID, np.int32)
    tokens = np.zeros((batch, beam, steps), np.int32)
    lengths = np.zeros((batch, beam), np.int32)
    finished = np.zeros((batch, beam), bool)
    t = 0
    while t < steps and not finished.all():
        out = step(prev_ids=prev, state=state, keys=keys, annotations=annotations, mask=mask)
        logp = np.asarray(out["log_probs"], np.float32).reshape(batch, beam, -1)
        vocab = logp.shape[-1]
        logp[:, :, [PAD_ID, BOS_ID]] = NEG
        last = (t + 1 >= max_len)[:, None, None] & (np.arange(vocab) != EOS_ID)
        logp = np.where(last, NEG, logp)
        raw = logp_sum[:, :, None] + logp
        score = raw / length_penalty(t + 1, kind, alpha)
        is_pad = np.arange(vocab) == PAD_ID
        done = finished[:, :, None]
        raw = np.where(done, np.where(is_pad, logp_sum[:, :, None], NEG), raw)
        score = np.where(done, np.where(is_pad, scores[:, :, None], NEG), score)
        score = score.reshape(batch, beam * vocab)
        index = _top_k(score, beam)
        scores = np.take_along_axis(score, index, axis=1)
        logp_sum = np.take_along_axis(raw.reshape(batch, beam * vocab), index, axis=1)
        tok = (index % vocab).astype(np.int32)
        flat = (index // vocab + offsets).reshape(-1)
        was_done = finished.reshape(-1)[flat].reshape(batch, beam)
        tokens = tokens.reshape(batch * beam, steps)[flat].reshape(batch, beam, steps)
        tokens[:, :, t] = tok
        lengths = np.where(was_done, lengths.reshape(-1)[flat].reshape(batch, beam), t + 1)
        finished = was_done | (tok == EOS_ID)
        state = np.asarray(out["new_state"])[flat]
        prev = tok.reshape(-1)
        t += 1
    return tokens, scores, lengths.astype(np.int32)
