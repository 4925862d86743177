"""RNNSearch: shapes, masking, recurrence, initial state, gradients, serialization, fit."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from zoo.errors import ZooError
from zoo.translation.batcher import TranslationBatches, encode_pairs
from zoo.translation.losses import SmoothedCrossEntropy
from zoo.translation.rnnsearch import RNNSearch

pytestmark = pytest.mark.model

SRC = np.array([[5, 6, 7, 3, 0], [8, 9, 3, 0, 0]], np.int32)
TGT_IN = np.array([[2, 10, 11, 12], [2, 13, 0, 0]], np.int32)


def _small(**kwargs):
    config = dict(vocab_size=40, embedding_dim=6, units=10, attention_units=7, maxout_units=5)
    return RNNSearch(**{**config, **kwargs})


@pytest.fixture(scope="module")
def small():
    """One untrained model for the read-only tests (building is slow under JAX)."""
    return _small()


def _np(x):
    return ops.convert_to_numpy(x)


def test_output_shape_and_vocab_from_tokenizer(tiny_model, toy_tokenizer):
    assert tiny_model.vocab_size == toy_tokenizer.vocab_size
    logits = tiny_model((SRC, TGT_IN))
    assert tuple(logits.shape) == (2, 4, toy_tokenizer.vocab_size)
    with pytest.raises(ZooError):
        RNNSearch()


def test_source_padding_is_ignored(small):
    model = small
    logits = _np(model((SRC, TGT_IN)))
    wider = np.pad(SRC, ((0, 0), (0, 6)))
    np.testing.assert_allclose(_np(model((wider, TGT_IN))), logits, atol=1e-5)
    attention = model.teacher_forced_attention(wider, TGT_IN)
    assert np.all(attention[1, :, 3:] == 0)
    np.testing.assert_allclose(attention.sum(-1), 1.0, atol=1e-5)


def test_decoding_is_causal(small):
    model = small
    logits = _np(model((SRC, TGT_IN)))
    changed = TGT_IN.copy()
    changed[:, 2:] = 17
    np.testing.assert_allclose(_np(model((SRC, changed)))[:, :2], logits[:, :2], atol=1e-5)


def test_step_by_step_equals_teacher_forcing(small):
    model = small
    logits = _np(model((SRC, TGT_IN)))
    annotations, state, mask = model.encoder(SRC)
    keys = model.decoder.precompute_keys(annotations)
    for t in range(TGT_IN.shape[1]):
        step_logits, state, _ = model.decoder.step(TGT_IN[:, t], state, keys, annotations, mask)
        np.testing.assert_allclose(_np(step_logits), logits[:, t], atol=1e-5)


def test_initial_state_is_tanh_of_backward_first_annotation(small):
    model = small
    annotations, state, _ = model.encoder(SRC)
    backward_first = _np(annotations)[:, 0, model.units :]
    kernel, bias = model.encoder.init_state.get_weights()
    np.testing.assert_allclose(_np(state), np.tanh(backward_first @ kernel + bias), atol=1e-5)


@pytest.mark.parametrize("tie", [False, True])
def test_every_weight_gets_a_gradient(tie):
    model = _small(maxout_units=6, tie_embeddings=tie)
    assert any("output_kernel" in w.path for w in model.weights) != tie
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss=SmoothedCrossEntropy(0.1))
    before = {w.path: _np(w).copy() for w in model.trainable_weights}
    tgt_out = np.array([[10, 11, 12, 3], [13, 3, 0, 0]], np.int32)
    model.fit(
        (SRC, TGT_IN),
        tgt_out,
        sample_weight=(tgt_out != 0).astype("float32"),
        batch_size=2,
        epochs=1,
        verbose=0,
    )
    unchanged = [w.path for w in model.trainable_weights if np.allclose(before[w.path], _np(w))]
    assert not unchanged, f"no gradient for {unchanged}"


def test_tie_embeddings_needs_matching_sizes():
    with pytest.raises(ZooError, match="maxout_units == embedding_dim"):
        _small(tie_embeddings=True)


def test_config_round_trip(small):
    model = small
    clone = RNNSearch.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert len(clone.weights) == len(model.weights)


def test_keras_file_round_trip_carries_tokenizer(tiny_model, tmp_path):
    tiny_model.compile(optimizer="adam", loss=SmoothedCrossEntropy(0.1))
    tiny_model.optimizer.build(tiny_model.trainable_variables)
    path = tmp_path / "rnnsearch.keras"
    tiny_model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, RNNSearch)
    np.testing.assert_array_equal(_np(loaded((SRC, TGT_IN))), _np(tiny_model((SRC, TGT_IN))))
    assert loaded.tokenizer.proto == tiny_model.tokenizer.proto
    texts = ["The red cat sees a bird.", ""]
    assert loaded.translate(texts, beam=2) == tiny_model.translate(texts, beam=2)
    assert loaded.loss.label_smoothing == 0.1


def test_registry_builder():
    from zoo.translation.models import rnnsearch

    model = rnnsearch(vocab_size=30, embedding_dim=4, units=6, maxout_units=3)
    assert isinstance(model, RNNSearch) and model.vocab_size == 30


@pytest.mark.slow
def test_fit_lowers_the_loss(toy_pairs, toy_tokenizer):
    src, tgt = toy_pairs
    pairs = encode_pairs(toy_tokenizer, src[:96], tgt[:96])
    data = TranslationBatches(*pairs, batch_size=32, length_multiple=64)  # one shape: one compile
    model = RNNSearch(tokenizer=toy_tokenizer, embedding_dim=16, units=24, maxout_units=16)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0), loss=SmoothedCrossEntropy(0.1)
    )
    history = model.fit(data, epochs=3, verbose=0).history["loss"]
    assert history[-1] < history[0] - 0.5
