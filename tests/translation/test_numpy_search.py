"""The numpy beam search over the exported networks finds what the Keras search finds.

The encoder and decoder-step functions that ONNX / LiteRT exports are traced from
(:mod:`zoo.export.translation_graphs`) run eagerly here, so the check takes seconds; the
exported files themselves are checked on real data in ``tests/export/test_export_parity.py``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.translation.decode import beam_search as keras_beam_search
from zoo.translation.numpy_search import beam_search, length_penalty

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="the export graphs are TensorFlow"
)


def _networks(model):
    from zoo.export.translation_graphs import decoder_step_function, encoder_function

    encode, _, _ = encoder_function(model)
    step, _, _ = decoder_step_function(model)

    def run(fn):
        return lambda *a, **k: {name: v.numpy() for name, v in fn(*a, **k).items()}

    return run(encode), run(step)


def _sources(tokenizer, texts):
    encoded = tokenizer.encode(texts)
    src = np.zeros((len(encoded), 16), np.int32)
    for row, ids in enumerate(encoded):
        src[row, : len(ids)] = ids
    return src


@pytest.mark.parametrize(("beam", "kind"), [(1, "gnmt"), (4, "gnmt"), (3, "length")])
def test_numpy_search_matches_keras(tiny_model, toy_pairs, beam, kind):
    src = _sources(tiny_model.tokenizer, toy_pairs[0][:6])
    encode, step = _networks(tiny_model)
    tokens, scores, lengths = beam_search(encode, step, src, beam=beam, kind=kind, max_extra=3)
    ref = keras_beam_search(tiny_model, src, beam, beam, kind, 0.6, 1.5, 3)
    width = ref.tokens.shape[-1]
    assert np.array_equal(tokens[..., :width], ref.tokens)
    assert not tokens[..., width:].any()
    assert np.array_equal(lengths, ref.lengths)
    np.testing.assert_allclose(scores, ref.scores, rtol=1e-5, atol=1e-4)


def test_encoder_graph_matches_keras_with_padding(tiny_model, toy_pairs):
    """The exported GRU loop masks padding as Keras does (backward starts at the last word)."""
    src = _sources(tiny_model.tokenizer, toy_pairs[0][:4])
    encode, _ = _networks(tiny_model)
    out = encode(src)
    annotations, state, mask = (np.asarray(x) for x in tiny_model.encoder(src))
    np.testing.assert_allclose(out["state"], state, atol=1e-6)
    np.testing.assert_allclose(out["annotations"][mask], annotations[mask], atol=1e-6)


def test_length_penalty_is_gnmt():
    assert np.isclose(length_penalty(7, "gnmt", 0.6), 2.0**0.6)
    assert length_penalty(0, "length") == 1.0 and length_penalty(9, "none") == 1.0
