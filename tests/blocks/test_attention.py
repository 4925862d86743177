"""AdditiveAttention: shapes, masking, gradients, serialization and golden values."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

from zoo.blocks.attention import AdditiveAttention

pytestmark = pytest.mark.model

GOLDEN = Path(__file__).resolve().parents[1] / "translation" / "golden" / "additive_attention.json"


def _inputs(batch=2, src=5, dq=4, dv=6, seed=0):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(batch, dq)).astype("float32")
    values = rng.normal(size=(batch, src, dv)).astype("float32")
    mask = np.ones((batch, src), bool)
    mask[1, 3:] = False
    return query, values, mask


def _layer_with_fixed_weights(units=3, use_bias=True):
    """A layer whose weights come from numpy, so results are the same on every backend."""
    layer = AdditiveAttention(units, use_bias=use_bias)
    layer.build((None, 4), (None, None, 6))
    rng = np.random.default_rng(42)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.weights])
    return layer


def test_shapes_single_and_multi_query():
    query, values, mask = _inputs()
    layer = AdditiveAttention(8)
    context, weights = layer(query, values, mask=mask)
    assert tuple(context.shape) == (2, 6)
    assert tuple(weights.shape) == (2, 5)
    queries = np.stack([query, query, query], axis=1)  # (B, 3, Dq)
    context3, weights3 = layer(queries, values, mask=mask)
    assert tuple(context3.shape) == (2, 3, 6)
    assert tuple(weights3.shape) == (2, 3, 5)
    np.testing.assert_allclose(ops.convert_to_numpy(context3)[:, 1], context, atol=1e-5)


def test_step_with_precomputed_keys_equals_call():
    query, values, mask = _inputs()
    layer = _layer_with_fixed_weights()
    keys = layer.precompute_keys(values)
    a = layer.step(query, keys, values, mask)
    b = layer(query, values, mask=mask)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(ops.convert_to_numpy(x), ops.convert_to_numpy(y), atol=1e-6)


def test_masked_positions_get_zero_weight_and_padding_is_ignored():
    query, values, mask = _inputs()
    layer = _layer_with_fixed_weights()
    context, weights = (ops.convert_to_numpy(t) for t in layer(query, values, mask=mask))
    assert np.all(weights[1, 3:] == 0.0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    garbage = values.copy()
    garbage[1, 3:] = 1e4
    context2, _ = layer(query, garbage, mask=mask)
    np.testing.assert_allclose(ops.convert_to_numpy(context2), context, atol=1e-5)
    # The same as attending over the unpadded sentence alone.
    short, w_short = layer(query[1:], values[1:, :3])
    np.testing.assert_allclose(ops.convert_to_numpy(short)[0], context[1], atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(w_short)[0], weights[1, :3], atol=1e-6)


def test_fully_masked_sentence_gives_zeros_not_nan():
    query, values, mask = _inputs()
    mask[0] = False
    context, weights = AdditiveAttention(4)(query, values, mask=mask)
    assert np.all(ops.convert_to_numpy(weights)[0] == 0)
    assert np.all(np.isfinite(ops.convert_to_numpy(context)))


def test_every_weight_gets_a_gradient():
    query, values, mask = _inputs()
    q = keras.Input((4,))
    v = keras.Input((5, 6))
    m = keras.Input((5,), dtype="bool")
    context, _ = AdditiveAttention(3, use_bias=True)(q, v, mask=m)
    model = keras.Model([q, v, m], context)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit([query, values, mask], np.ones((2, 6), "float32"), epochs=1, verbose=0)
    after = model.get_weights()
    assert len(before) == 4
    for b, a in zip(before, after, strict=True):
        assert not np.allclose(b, a), "a weight received no gradient"


def test_config_and_keras_round_trip(tmp_path):
    layer = AdditiveAttention(5, use_bias=True, kernel_initializer="he_normal", name="att")
    clone = AdditiveAttention.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()

    query, values, mask = _inputs()
    q = keras.Input((4,))
    v = keras.Input((5, 6))
    m = keras.Input((5,), dtype="bool")
    model = keras.Model([q, v, m], list(layer(q, v, mask=m)))
    path = tmp_path / "att.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    for x, y in zip(
        model.predict([query, values, mask], verbose=0),
        loaded.predict([query, values, mask], verbose=0),
        strict=True,
    ):
        np.testing.assert_array_equal(x, y)


def test_golden_values():
    query, values, mask = _inputs()
    context, weights = (
        ops.convert_to_numpy(t) for t in _layer_with_fixed_weights()(query, values, mask=mask)
    )
    if os.environ.get("ZOO_REGEN_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(
            json.dumps(
                {
                    "context": context.astype(float).round(6).tolist(),
                    "weights": weights.astype(float).round(6).tolist(),
                },
                indent=1,
            )
        )
    expected = json.loads(GOLDEN.read_text())
    np.testing.assert_allclose(context, expected["context"], atol=1e-5)
    np.testing.assert_allclose(weights, expected["weights"], atol=1e-5)
