"""Greedy and beam search: equivalence, optimality against greedy, n-best, limits, translate."""

from __future__ import annotations

import numpy as np
import pytest
from keras import ops

from zoo.errors import ZooError
from zoo.translation.decode import beam_search, greedy_search, length_penalty, max_target_length
from zoo.translation.rnnsearch import RNNSearch
from zoo.translation.tokenizer import BOS_ID, EOS_ID

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(3)
    return RNNSearch(vocab_size=24, embedding_dim=8, units=12, attention_units=8, maxout_units=6)


def _sources(n=6, width=7, seed=0):
    rng = np.random.default_rng(seed)
    src = np.zeros((n, width), np.int32)
    for i in range(n):
        length = rng.integers(1, width)
        src[i, :length] = rng.integers(4, 24, length)
        src[i, length] = EOS_ID
    return src


def _sequence_log_probs(model, src, tokens, lengths):
    """log p(tokens | src) per row by teacher forcing, independently of the search code."""
    tgt_in = np.concatenate([np.full((len(src), 1), BOS_ID), tokens[:, :-1]], 1).astype(np.int32)
    logits = ops.convert_to_numpy(model((src, tgt_in))).astype(np.float64)
    top = logits.max(-1, keepdims=True)
    logp = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    picked = np.take_along_axis(logp, tokens[..., None].astype(int), -1)[..., 0]
    return (picked * (np.arange(tokens.shape[1]) < lengths[:, None])).sum(1)


def test_greedy_equals_beam_of_one(model):
    src = _sources()
    for penalty, alpha in [("none", 0.0), ("gnmt", 0.6)]:
        greedy = greedy_search(model, src, length_penalty=penalty, alpha=alpha)
        beam = beam_search(model, src, beam_size=1, length_penalty=penalty, alpha=alpha)
        np.testing.assert_array_equal(greedy.tokens, beam.tokens)
        np.testing.assert_array_equal(greedy.lengths, beam.lengths)
        np.testing.assert_allclose(greedy.scores, beam.scores, rtol=1e-5)
        np.testing.assert_allclose(greedy.attention, beam.attention, atol=1e-6)


def test_scores_match_teacher_forced_log_probs(model):
    src = _sources()
    result = beam_search(model, src, beam_size=3, n_best=3, length_penalty="none")
    for k in range(3):
        lengths, tokens = result.lengths[:, k], result.tokens[:, k]
        assert np.all(tokens[np.arange(len(src)), lengths - 1] == EOS_ID)
        assert np.all(tokens[np.arange(tokens.shape[1]) >= lengths[:, None]] == 0)
        expected = _sequence_log_probs(model, src, tokens, lengths)
        np.testing.assert_allclose(result.log_probs[:, k], expected, atol=1e-3)
    assert np.all(np.diff(result.scores, axis=1) <= 1e-6)  # n-best sorted best first


def test_beam_finds_at_least_as_probable_as_greedy(model):
    src = _sources(n=8, seed=1)
    greedy = greedy_search(model, src, length_penalty="none")
    beam = beam_search(model, src, beam_size=5, length_penalty="none")
    assert np.all(beam.log_probs[:, 0] >= greedy.log_probs[:, 0] - 1e-4)
    assert np.any(beam.log_probs[:, 0] > greedy.log_probs[:, 0] + 1e-3)


def test_length_limit_and_attention(model):
    src = _sources()
    src_len = (src != 0).sum(1)
    result = greedy_search(model, src, max_ratio=0.5, max_extra=1)
    limits = np.floor(0.5 * src_len).astype(int) + 1
    assert np.all(result.lengths[:, 0] <= limits)
    assert result.tokens.shape[-1] == max_target_length(src.shape[1], 0.5, 1)
    att = result.attention[:, 0]
    for b in range(len(src)):
        rows = att[b, : result.lengths[b, 0]]
        np.testing.assert_allclose(rows.sum(-1), 1.0, atol=1e-5)
        assert np.all(rows[:, src_len[b] :] == 0) and np.all(att[b, result.lengths[b, 0] :] == 0)


def test_length_penalty_values():
    lengths = np.array([1, 6, 11])
    np.testing.assert_allclose(
        ops.convert_to_numpy(length_penalty(lengths, "gnmt", 1.0)), [1.0, 11 / 6, 16 / 6], rtol=1e-6
    )
    np.testing.assert_allclose(ops.convert_to_numpy(length_penalty(lengths, "length")), lengths)
    np.testing.assert_allclose(ops.convert_to_numpy(length_penalty(lengths, "none")), 1.0)


def test_bad_arguments(model):
    src = _sources()
    with pytest.raises(ZooError):
        beam_search(model, src, beam_size=2, n_best=3)
    with pytest.raises(ZooError):
        greedy_search(model, src, length_penalty="bogus")
    with pytest.raises(ZooError):
        greedy_search(model, np.zeros((0, 3), np.int32))


def test_translate_and_alignments(tiny_model, tmp_path):
    texts = ["The red cat sees a bird.", "", "A dog 😀 runs.", "x" * 3000]
    greedy = tiny_model.translate(texts, beam=1)
    assert len(greedy) == len(texts) and greedy[1] == ""
    assert all(isinstance(t, str) for t in greedy)
    assert tiny_model.translate(texts[0], beam=1) == greedy[:1]  # one string: a list of one
    nbest = tiny_model.translate(texts, beam=3, n_best=2)
    assert len(nbest) == len(texts) and all(len(x) == 2 for x in nbest)
    alignments = tiny_model.alignments(texts[:2])
    first = alignments[0]
    assert first.weights.shape == (len(first.target_pieces), len(first.source_pieces))
    assert first.translation == greedy[0] and first.source_pieces[-1] == "</s>"
    assert alignments[1].weights.size == 0
