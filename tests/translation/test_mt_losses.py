"""SmoothedCrossEntropy and the warmup schedule."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from zoo.translation.losses import SmoothedCrossEntropy
from zoo.translation.schedule import WarmupInverseSqrt


def _reference(y, logits, eps):
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(logp, y[..., None], -1)[..., 0]
    per_token = (1 - eps) * nll + eps * -logp.mean(-1)
    real = y != 0
    return (per_token * real).sum() / real.sum()


@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_matches_numpy_and_ignores_padding(eps):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 7)).astype("float32")
    y = np.array([[3, 4, 5, 0], [6, 0, 0, 0]])
    weights = (y != 0).astype("float32")
    loss = SmoothedCrossEntropy(eps)
    value = float(ops.convert_to_numpy(loss(y, logits, sample_weight=weights)))
    assert value == pytest.approx(_reference(y, logits, eps), rel=1e-5)
    garbage = logits.copy()
    garbage[y == 0] = 50.0
    again = float(ops.convert_to_numpy(loss(y, garbage, sample_weight=weights)))
    assert again == pytest.approx(value, rel=1e-6)


def test_loss_config_round_trip():
    loss = SmoothedCrossEntropy(0.2, name="ls")
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(again, SmoothedCrossEntropy) and again.label_smoothing == 0.2


def test_warmup_inverse_sqrt():
    schedule = WarmupInverseSqrt(1e-3, warmup_steps=10)
    rates = [float(ops.convert_to_numpy(schedule(s))) for s in (0, 4, 9, 39, 159)]
    np.testing.assert_allclose(rates, [1e-4, 5e-4, 1e-3, 5e-4, 2.5e-4], rtol=1e-5)
    again = WarmupInverseSqrt.from_config(schedule.get_config())
    assert again.get_config() == schedule.get_config()


def test_inverse_sqrt_with_a_linear_cooldown_to_zero():
    plain = WarmupInverseSqrt(1e-3, warmup_steps=10)
    schedule = WarmupInverseSqrt(1e-3, warmup_steps=10, cooldown_start=39, cooldown_steps=40)
    rate = lambda s, f=schedule: float(ops.convert_to_numpy(f(s)))  # noqa: E731
    # the same as without a cooldown up to its start, then a straight line from there to 0
    for step in (0, 9, 20, 38, 39):
        np.testing.assert_allclose(rate(step), rate(step, plain), rtol=1e-6)
    np.testing.assert_allclose([rate(s) for s in (49, 59, 69)], [3.75e-4, 2.5e-4, 1.25e-4])
    assert rate(79) == 0.0 and rate(500) == 0.0
    again = WarmupInverseSqrt.from_config(schedule.get_config())
    assert again.get_config() == schedule.get_config()
    with pytest.raises(ValueError, match="cooldown_start"):
        WarmupInverseSqrt(1e-3, cooldown_steps=10)
