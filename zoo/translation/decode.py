"""Batched greedy and beam search for RNNsearch, each compiled as one loop.

The whole search runs inside ``keras.ops.while_loop`` in a compiled function, cached per model
and search setting: ``jax.jit`` on JAX (the model's variables are passed in through a
``keras.StatelessScope``, so retrained weights are always used; one compilation per input
shape) and one ``tf.function`` trace with dynamic lengths on TensorFlow.

Beam search keeps finished hypotheses in the beam (their only continuation is padding with an
unchanged score) and ranks all candidates by their length-normalised score ``log p / lp``
where ``lp`` is the GNMT penalty ``((5 + len) / 6) ** alpha``, the length itself, or 1. All
alive candidates of a step have the same length, so with ``beam_size=1`` beam search is
exactly greedy search. The search stops when every beam of every sentence has ended; a
hypothesis is forced to end with eos at ``floor(max_ratio * source length) + max_extra``
tokens.

Example:
    >>> result = beam_search(model, src_ids, beam_size=5, n_best=2)   # doctest: +SKIP
    >>> result.tokens.shape      # (batch, n_best, max target length)  # doctest: +SKIP
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from zoo.errors import ZooError
from zoo.translation.tokenizer import BOS_ID, EOS_ID, PAD_ID

NEG = -1e9
PENALTIES = ("gnmt", "length", "none")
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class DecodeResult:
    """Search output as numpy arrays; hypotheses sorted best first.

    Attributes:
        tokens: ``(B, n, L)`` int32 ids, eos included, 0-padded.
        scores: ``(B, n)`` ranking scores ``log_probs / lp(lengths)``.
        log_probs: ``(B, n)`` sums of token log-probabilities.
        lengths: ``(B, n)`` number of tokens, eos included.
        attention: ``(B, n, L, Ts)`` attention weights of each emitted token.
    """

    tokens: np.ndarray
    scores: np.ndarray
    log_probs: np.ndarray
    lengths: np.ndarray
    attention: np.ndarray


def length_penalty(lengths, kind: str = "gnmt", alpha: float = 0.6):
    """``lp(len)``: GNMT ``((5 + len) / 6) ** alpha``, ``len`` or 1 (``kind="none"``)."""
    lengths = ops.cast(lengths, "float32")
    if kind == "gnmt":
        return ops.power((5.0 + lengths) / 6.0, alpha)
    if kind == "length":
        return ops.maximum(lengths, 1.0)
    return ops.ones_like(lengths)


def max_target_length(src_len: int, max_ratio: float, max_extra: int) -> int:
    """Longest output for a source of ``src_len`` ids: ``floor(ratio * len) + extra``."""
    return max(1, int(np.floor(max_ratio * src_len)) + int(max_extra))


def _num_steps(width, max_ratio: float, max_extra: int):
    """Static ``max_target_length`` when ``width`` is known, else the same as a tensor."""
    if isinstance(width, int):
        return max_target_length(width, max_ratio, max_extra)
    steps = ops.cast(ops.floor(ops.cast(width, "float32") * max_ratio), "int32") + max_extra
    return ops.maximum(steps, 1)


def _check(kind: str, max_ratio: float, max_extra: int) -> None:
    if kind not in PENALTIES:
        raise ZooError(f"length_penalty {kind!r}: use one of {', '.join(PENALTIES)}")
    if max_ratio < 0 or max_extra < 1:
        raise ZooError("max_ratio must be >= 0 and max_extra >= 1")


def _log_probs(logits, t, max_len):
    """Log-probabilities with pad/bos banned and eos forced at each sentence's last step."""
    logp = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
    vocab = ops.arange(ops.shape(logp)[-1])
    banned = ops.logical_or(ops.equal(vocab, PAD_ID), ops.equal(vocab, BOS_ID))
    last = ops.greater_equal(t + 1, max_len)  # (B,) true at the last allowed step
    last = ops.reshape(last, (-1,) + (1,) * (len(logp.shape) - 1))
    banned = ops.logical_or(banned, ops.logical_and(last, ops.not_equal(vocab, EOS_ID)))
    return ops.where(banned, ops.full_like(logp, NEG), logp)


def _encode(model, src, max_ratio, max_extra):
    annotations, state, mask = model.encoder(src, training=False)
    src_len = ops.sum(ops.cast(mask, "int32"), axis=1)
    max_len = ops.cast(ops.floor(ops.cast(src_len, "float32") * max_ratio), "int32") + max_extra
    return annotations, state, mask, ops.maximum(max_len, 1)


def _greedy_fn(model, kind, alpha, max_ratio, max_extra):
    def run(src):
        annotations, state, mask, max_len = _encode(model, src, max_ratio, max_extra)
        keys = model.decoder.precompute_keys(annotations)
        batch, src_width = ops.shape(src)
        steps = _num_steps(src_width, max_ratio, max_extra)
        positions = ops.arange(steps)

        def cond(t, state, prev, tokens, finished, *_):
            return ops.logical_and(t < steps, ops.logical_not(ops.all(finished)))

        def body(t, state, prev, tokens, finished, logp_sum, lengths, attention):
            logits, state, weights = model.decoder.step(prev, state, keys, annotations, mask)
            logp = _log_probs(logits, t, max_len)
            tok = ops.where(finished, PAD_ID, ops.cast(ops.argmax(logp, axis=-1), "int32"))
            gained = ops.squeeze(ops.take_along_axis(logp, tok[:, None], axis=-1), -1)
            logp_sum = logp_sum + ops.where(finished, 0.0, gained)
            here = ops.equal(positions, t)[None, :]
            tokens = ops.where(here, tok[:, None], tokens)
            weights = ops.where(finished[:, None], 0.0, ops.cast(weights, "float32"))
            attention = ops.where(here[:, :, None], weights[:, None, :], attention)
            lengths = ops.where(finished, lengths, t + 1)
            finished = ops.logical_or(finished, ops.equal(tok, EOS_ID))
            return t + 1, state, tok, tokens, finished, logp_sum, lengths, attention

        init = (
            ops.convert_to_tensor(0, "int32"),
            state,
            ops.full((batch,), BOS_ID, "int32"),
            ops.zeros((batch, steps), "int32"),
            ops.zeros((batch,), "bool"),
            ops.zeros((batch,), "float32"),
            ops.zeros((batch,), "int32"),
            ops.zeros((batch, steps, src_width), "float32"),
        )
        out = ops.while_loop(cond, body, init)
        _, _, _, tokens, _, logp_sum, lengths, attention = out
        scores = logp_sum / length_penalty(lengths, kind, alpha)
        return (
            tokens[:, None],
            scores[:, None],
            logp_sum[:, None],
            lengths[:, None],
            attention[:, None],
        )

    return run


def _beam_fn(model, beam, kind, alpha, max_ratio, max_extra):
    def run(src):
        annotations, state, mask, max_len = _encode(model, src, max_ratio, max_extra)
        keys = model.decoder.precompute_keys(annotations)
        batch, src_width = ops.shape(src)
        steps = _num_steps(src_width, max_ratio, max_extra)
        annotations, keys, mask, state = (
            ops.repeat(x, beam, axis=0) for x in (annotations, keys, mask, state)
        )
        vocab = model.decoder.vocab_size
        is_pad = ops.equal(ops.arange(vocab), PAD_ID)
        positions = ops.arange(steps)
        offsets = ops.arange(batch)[:, None] * beam  # (B, 1)

        def gather(x, flat_index):  # (B, K, ...) -> the rows of the chosen beams
            tail = tuple(ops.shape(x)[2:])
            picked = ops.take(ops.reshape(x, (-1, *tail)), flat_index, axis=0)
            return ops.reshape(picked, (-1, beam, *tail))

        def cond(t, state, prev, tokens, attention, logp_sum, scores, finished, lengths):
            return ops.logical_and(t < steps, ops.logical_not(ops.all(finished)))

        def body(t, state, prev, tokens, attention, logp_sum, scores, finished, lengths):
            logits, new_state, weights = model.decoder.step(prev, state, keys, annotations, mask)
            logp = _log_probs(ops.reshape(logits, (-1, beam, vocab)), t, max_len[:, None])
            raw = logp_sum[:, :, None] + logp
            score = raw / length_penalty(t + 1, kind, alpha)
            done = finished[:, :, None]
            raw = ops.where(done, ops.where(is_pad, logp_sum[:, :, None], NEG), raw)
            score = ops.where(done, ops.where(is_pad, scores[:, :, None], NEG), score)
            top_scores, index = ops.top_k(ops.reshape(score, (-1, beam * vocab)), beam)
            origin = index // vocab
            tok = ops.cast(index % vocab, "int32")
            new_raw = ops.take_along_axis(ops.reshape(raw, (-1, beam * vocab)), index, axis=1)
            flat_index = ops.reshape(origin + offsets, (-1,))
            was_done = gather(finished[:, :, None], flat_index)[:, :, 0]
            tokens = gather(tokens, flat_index)
            attention = gather(attention, flat_index)
            here = ops.equal(positions, t)
            tokens = ops.where(here[None, None, :], tok[:, :, None], tokens)
            weights = ops.reshape(
                ops.take(ops.cast(weights, "float32"), flat_index, axis=0), (-1, beam, src_width)
            )
            weights = ops.where(was_done[:, :, None], 0.0, weights)
            attention = ops.where(here[None, None, :, None], weights[:, :, None, :], attention)
            lengths = ops.where(was_done, gather(lengths[:, :, None], flat_index)[:, :, 0], t + 1)
            finished = ops.logical_or(was_done, ops.equal(tok, EOS_ID))
            state = ops.take(new_state, flat_index, axis=0)
            prev = ops.reshape(tok, (-1,))
            return t + 1, state, prev, tokens, attention, new_raw, top_scores, finished, lengths

        first = ops.concatenate(
            [ops.zeros((batch, 1), "float32"), ops.full((batch, beam - 1), NEG, "float32")], 1
        )
        init = (
            ops.convert_to_tensor(0, "int32"),
            state,
            ops.full((batch * beam,), BOS_ID, "int32"),
            ops.zeros((batch, beam, steps), "int32"),
            ops.zeros((batch, beam, steps, src_width), "float32"),
            first,
            first,
            ops.zeros((batch, beam), "bool"),
            ops.zeros((batch, beam), "int32"),
        )
        out = ops.while_loop(cond, body, init)
        _, _, _, tokens, attention, logp_sum, scores, _, lengths = out
        return tokens, scores, logp_sum, lengths, attention

    return run


def _compile(model, fn):
    """Compile ``fn(src)`` for the current backend (jit on JAX, tf.function on TF)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        variables = list(model.variables)

        def pure(values, src):
            with keras.StatelessScope(state_mapping=list(zip(variables, values, strict=True))):
                return fn(src)

        jitted = jax.jit(pure)
        return lambda src: jitted([v.value for v in variables], src)
    if backend == "tensorflow":
        import tensorflow as tf

        # One trace for every shape: lengths are dynamic in the graph.
        spec = tf.TensorSpec([None, None], tf.int32)
        return tf.function(fn, input_signature=[spec], autograph=False)
    return fn


def search_function(
    model,
    beam_size: int = 5,
    length_penalty: str = "gnmt",
    alpha: float = 0.6,
    max_ratio: float = 1.5,
    max_extra: int = 5,
):
    """The uncompiled search ``run(src (B, Ts) int32) -> (tokens, scores, log_probs, lengths,
    attention)`` (greedy for ``beam_size == 1``), for tracing into an exported graph."""
    _check(length_penalty, max_ratio, max_extra)
    if beam_size == 1:
        return _greedy_fn(model, length_penalty, alpha, max_ratio, max_extra)
    return _beam_fn(model, beam_size, length_penalty, alpha, max_ratio, max_extra)


def _run(model, key, make, src_ids) -> DecodeResult:
    src = np.asarray(src_ids, dtype=np.int32)
    if src.ndim != 2 or src.shape[0] == 0 or src.shape[1] == 0:
        raise ZooError(f"source ids must be a non-empty (batch, length) array, got {src.shape}")
    cache = _CACHE.setdefault(model, {})
    if key not in cache:
        cache[key] = _compile(model, make())
    out = cache[key](src)
    return DecodeResult(*(ops.convert_to_numpy(x) for x in out))


def greedy_search(
    model,
    src_ids,
    max_ratio: float = 1.5,
    max_extra: int = 5,
    length_penalty: str = "gnmt",
    alpha: float = 0.6,
) -> DecodeResult:
    """Greedy decoding of a padded ``(B, Ts)`` id batch; ``n_best`` axis of size 1.

    ``length_penalty``/``alpha`` only affect the reported ``scores``.
    """
    _check(length_penalty, max_ratio, max_extra)
    key = ("greedy", length_penalty, float(alpha), float(max_ratio), int(max_extra))
    return _run(
        model, key, lambda: _greedy_fn(model, length_penalty, alpha, max_ratio, max_extra), src_ids
    )


def beam_search(
    model,
    src_ids,
    beam_size: int = 5,
    n_best: int = 1,
    length_penalty: str = "gnmt",
    alpha: float = 0.6,
    max_ratio: float = 1.5,
    max_extra: int = 5,
) -> DecodeResult:
    """Beam search over a padded ``(B, Ts)`` id batch, returning the ``n_best`` hypotheses.

    ``length_penalty`` is ``"gnmt"`` (``((5 + len) / 6) ** alpha``), ``"length"`` (average
    log-probability) or ``"none"``.
    """
    _check(length_penalty, max_ratio, max_extra)
    if beam_size < 1 or not 1 <= n_best <= beam_size:
        raise ZooError(
            f"need beam_size >= 1 and 1 <= n_best <= beam_size, got {beam_size}, {n_best}"
        )
    key = ("beam", beam_size, length_penalty, float(alpha), float(max_ratio), int(max_extra))
    result = _run(
        model,
        key,
        lambda: _beam_fn(model, beam_size, length_penalty, alpha, max_ratio, max_extra),
        src_ids,
    )
    return DecodeResult(*(x[:, :n_best] for x in vars(result).values()))
