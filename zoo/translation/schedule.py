"""Learning-rate warmup: a warmup + inverse-square-root schedule, and a warmup callback.

``WarmupInverseSqrt`` rises linearly to ``peak`` over ``warmup_steps`` and then decays as
``peak * sqrt(warmup_steps / step)``. For a plateau schedule use a float learning rate with
:class:`LinearWarmup` (which only touches the first ``warmup_steps`` steps) and Keras'
``ReduceLROnPlateau``.

Example:
    >>> schedule = WarmupInverseSqrt(1e-3, warmup_steps=100)
    >>> round(float(schedule(99)), 6)
    0.001
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class WarmupInverseSqrt(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup to ``peak``, then ``peak * sqrt(warmup_steps / step)`` (>= ``minimum``)."""

    def __init__(self, peak: float, warmup_steps: int = 1000, minimum: float = 0.0):
        self.peak = float(peak)
        self.warmup_steps = max(1, int(warmup_steps))
        self.minimum = float(minimum)

    def __call__(self, step):
        step = ops.cast(step, "float32") + 1.0
        warm = float(self.warmup_steps)
        rate = self.peak * ops.minimum(step / warm, ops.sqrt(warm / step))
        return ops.maximum(rate, self.minimum)

    def get_config(self) -> dict:
        return {"peak": self.peak, "warmup_steps": self.warmup_steps, "minimum": self.minimum}


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
