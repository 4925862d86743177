"""Batch-norm folding: same outputs, no batch norm left where it can go, others untouched."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.blocks.fold import PassThrough, fold_batch_norm, foldable_pairs

pytestmark = pytest.mark.model


def trained_bn(layer, rng):
    """Give a batch norm non-trivial statistics, as after training."""
    c = layer.moving_mean.shape[0]
    layer.gamma.assign(rng.uniform(0.5, 2.0, c).astype("float32"))
    layer.beta.assign(rng.normal(0, 0.5, c).astype("float32"))
    layer.moving_mean.assign(rng.normal(0, 0.5, c).astype("float32"))
    layer.moving_variance.assign(rng.uniform(0.2, 3.0, c).astype("float32"))


def small_network():
    """Conv+BN, depthwise (multiplier 2)+BN, a conv with bias+BN, a BN with two consumers'
    producer, and a nested functional model."""
    inner_in = keras.Input((16, 16, 8))
    y = keras.layers.Conv2D(8, 1, use_bias=False, name="inner_conv")(inner_in)
    y = keras.layers.BatchNormalization(name="inner_bn")(y)
    inner = keras.Model(inner_in, keras.layers.LeakyReLU(0.1)(y), name="inner")

    x_in = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", use_bias=False, name="c1")(x_in)
    x = keras.layers.BatchNormalization(name="b1")(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.DepthwiseConv2D(
        3, padding="same", depth_multiplier=2, use_bias=False, name="dw"
    )(x)
    x = keras.layers.BatchNormalization(name="b2")(x)
    branch = keras.layers.Conv2D(8, 1, name="c3")(x)  # with bias
    shared = keras.layers.Conv2D(8, 1, use_bias=False, name="shared")(x)
    folded = keras.layers.BatchNormalization(name="b3")(branch)
    kept = keras.layers.BatchNormalization(name="kept")(shared)  # conv has 2 consumers
    x = keras.layers.Add()([folded, kept, shared])
    return keras.Model(x_in, inner(x), name="outer")


def test_folded_network_gives_the_same_outputs_and_drops_foldable_batch_norms():
    rng = np.random.default_rng(0)
    model = small_network()
    for layer in [*model.layers, *model.get_layer("inner").layers]:
        if isinstance(layer, keras.layers.BatchNormalization):
            trained_bn(layer, rng)
    assert foldable_pairs(model) == {"c1": "b1", "dw": "b2", "c3": "b3"}
    folded = fold_batch_norm(model)
    x = rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(folded(x)),
        keras.ops.convert_to_numpy(model(x, training=False)),
        rtol=1e-4,
        atol=1e-4,
    )
    kinds = {layer.name: type(layer) for layer in folded.layers}
    assert kinds["b1"] is PassThrough and kinds["b2"] is PassThrough and kinds["b3"] is PassThrough
    assert kinds["kept"] is keras.layers.BatchNormalization
    assert isinstance(folded.get_layer("inner").get_layer("inner_bn"), PassThrough)
    assert folded.get_layer("c1").use_bias
    # the source model is left as it was
    assert isinstance(model.get_layer("b1"), keras.layers.BatchNormalization)
    assert not model.get_layer("c1").use_bias
