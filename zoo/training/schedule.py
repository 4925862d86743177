"""Learning-rate schedules and optimizers named in recipes.

Example:
    >>> opt = make_optimizer({"optimizer": "adamw", "lr": 1e-3, "schedule": "cosine",
    ...                       "warmup_epochs": 1}, steps_per_epoch=46, epochs=10)
"""

from __future__ import annotations

import math

import keras


@keras.saving.register_keras_serializable(package="zoo")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up to ``peak`` over ``warmup_steps``, then cosine decay to ``peak * floor``."""

    def __init__(self, peak: float, total_steps: int, warmup_steps: int = 0, floor: float = 0.01):
        self.peak = float(peak)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)
        self.floor = float(floor)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warm = self.peak * (step + 1.0) / max(self.warmup_steps, 1)
        span = max(self.total_steps - self.warmup_steps, 1)
        progress = keras.ops.clip((step - self.warmup_steps) / span, 0.0, 1.0)
        cosine = 0.5 * (1.0 + keras.ops.cos(math.pi * progress))
        decayed = self.peak * (self.floor + (1.0 - self.floor) * cosine)
        return keras.ops.where(step < self.warmup_steps, warm, decayed)

    def get_config(self):
        return {
            "peak": self.peak,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
            "floor": self.floor,
        }


def make_optimizer(train: dict, steps_per_epoch: int, epochs: int) -> keras.optimizers.Optimizer:
    """Build the optimizer a recipe's ``[train]`` table names (adamw, adam or sgd)."""
    lr = float(train.get("lr", 1e-3))
    if train.get("schedule", "cosine") == "cosine":
        lr = WarmupCosine(
            lr,
            total_steps=steps_per_epoch * epochs,
            warmup_steps=int(train.get("warmup_epochs", 0) * steps_per_epoch),
            floor=float(train.get("lr_floor", 0.01)),
        )
    name = train.get("optimizer", "adamw")
    clip = train.get("clipnorm")
    kwargs = {"clipnorm": float(clip)} if clip else {}
    if name == "adamw":
        return keras.optimizers.AdamW(
            lr, weight_decay=float(train.get("weight_decay", 1e-4)), **kwargs
        )
    if name == "adam":
        return keras.optimizers.Adam(lr, **kwargs)
    if name == "sgd":
        return keras.optimizers.SGD(
            lr, momentum=float(train.get("momentum", 0.9)), nesterov=True, **kwargs
        )
    from zoo.errors import ZooError

    raise ZooError(f"unknown optimizer {name!r}; use adamw, adam or sgd")
