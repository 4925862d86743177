"""Learning-rate warmup: a warmup + inverse-square-root schedule, and a warmup callback.

``WarmupInverseSqrt`` rises linearly to ``peak`` over ``warmup_steps`` and then decays as
``peak * sqrt(warmup_steps / step)``; with ``cooldown_steps``, from step ``cooldown_start`` on
the rate falls linearly from its value there to 0 over ``cooldown_steps`` steps (the
inverse-sqrt-plus-cooldown schedule of Zhai et al. 2022 and Hägele et al. 2024, which matches
a cosine schedule without fixing the run's length in advance). For a plateau schedule use a
float learning rate with :class:`LinearWarmup` (which only touches the first ``warmup_steps``
steps) and Keras' ``ReduceLROnPlateau``.

Example:
    >>> schedule = WarmupInverseSqrt(1e-3, warmup_steps=100)
    >>> round(float(schedule(99)), 6)
    0.001
    >>> cooled = WarmupInverseSqrt(1e-3, warmup_steps=100, cooldown_start=399, cooldown_steps=100)
    >>> [round(float(cooled(s)), 6) for s in (399, 449, 499)]
    [0.0005, 0.00025, 0.0]
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class WarmupInverseSqrt(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup to ``peak``, then ``peak * sqrt(warmup_steps / step)`` (>= ``minimum``);
    from the 0-based step ``cooldown_start`` on, a linear fall to 0 over ``cooldown_steps``."""

    def __init__(
        self,
        peak: float,
        warmup_steps: int = 1000,
        minimum: float = 0.0,
        cooldown_start: int | None = None,
        cooldown_steps: int = 0,
    ):
        self.peak = float(peak)
        self.warmup_steps = max(1, int(warmup_steps))
        self.minimum = float(minimum)
        self.cooldown_start = None if cooldown_start is None else int(cooldown_start)
        self.cooldown_steps = int(cooldown_steps)
        if self.cooldown_steps < 0 or (self.cooldown_steps and self.cooldown_start is None):
            raise ValueError("a cooldown needs cooldown_steps >= 1 and a cooldown_start")

    def _rate(self, step):
        """The warmup + inverse-sqrt rate at the 1-based ``step`` (a tensor or a number)."""
        warm = float(self.warmup_steps)
        rate = self.peak * ops.minimum(step / warm, ops.sqrt(warm / step))
        return ops.maximum(rate, self.minimum)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        rate = self._rate(step + 1.0)
        if not self.cooldown_steps:
            return rate
        start = float(self.cooldown_start)
        remaining = ops.clip(1.0 - (step - start) / float(self.cooldown_steps), 0.0, 1.0)
        cooled = self._rate(ops.cast(start + 1.0, "float32")) * remaining
        return ops.where(step >= start, cooled, rate)

    def get_config(self) -> dict:
        return {
            "peak": self.peak,
            "warmup_steps": self.warmup_steps,
            "minimum": self.minimum,
            "cooldown_start": self.cooldown_start,
            "cooldown_steps": self.cooldown_steps,
        }


class LinearWarmup(keras.callbacks.Callback):
    """Raise a float learning rate linearly to ``peak`` over the first ``warmup_steps`` steps.

    Uses the optimizer's step counter, so a resumed run continues where it stopped.
    """

    def __init__(self, peak: float, warmup_steps: int):
        super().__init__()
        self.peak = float(peak)
        self.warmup_steps = max(1, int(warmup_steps))

    def on_train_batch_begin(self, batch, logs=None):
        step = int(ops.convert_to_numpy(self.model.optimizer.iterations))
        if step <= self.warmup_steps:
            rate = self.peak * min(1.0, (step + 1) / self.warmup_steps)
            self.model.optimizer.learning_rate.assign(rate)
