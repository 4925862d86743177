"""Resumable checkpoints written atomically: ``last.keras`` each epoch, ``best.keras`` on val.

A checkpoint is written to a temporary file and renamed over the old one, so an interrupted
save never replaces a good checkpoint. ``state.json`` records the epoch and the best value, and
:func:`resume_state` gives ``initial_epoch`` for ``model.fit`` after an interruption.

Example:
    >>> ckpt = RunCheckpoint("runs/x", monitor="val_miou", mode="max")      # doctest: +SKIP
    >>> model.fit(train, validation_data=val, epochs=50, callbacks=[ckpt],
    ...           initial_epoch=resume_state("runs/x")["epoch"])             # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import keras

from zoo.training.recipe import write_json_atomic


def save_model_atomic(model: keras.Model, path: str | os.PathLike) -> None:
    """Save ``model`` as ``.keras`` via a temporary file and ``os.replace``.

    Batch normalisation synchronised across TensorFlow replicas for training
    (:func:`zoo.training.workarounds.sync_batch_norm`) is saved as plain, so the file loads
    anywhere.
    """
    path = Path(path)
    tmp = path.with_name(path.stem + ".tmp.keras")
    synced = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if getattr(layer, "synchronized", False)
    ]
    for layer in synced:
        layer.synchronized = False
    try:
        model.save(tmp)
    finally:
        for layer in synced:
            layer.synchronized = True
    os.replace(tmp, path)


def resume_state(run_dir: str | os.PathLike) -> dict:
    """The saved state of a run (``epoch`` = epochs done), or a fresh one."""
    state_file = Path(run_dir) / "state.json"
    if state_file.is_file():
        return json.loads(state_file.read_text())
    return {"epoch": 0, "best": None}


class RunCheckpoint(keras.callbacks.Callback):
    """Save ``last.keras`` every epoch and ``best.keras`` when ``monitor`` improves.

    Args:
        run_dir: the run's folder.
        monitor: the logged value that decides "best" (e.g. ``val_miou``, ``val_loss``).
        mode: ``"max"`` or ``"min"``.
        save_fn: optional ``save_fn(model, path)`` replacing :func:`save_model_atomic`'s save.
    """

    def __init__(self, run_dir, monitor: str = "val_loss", mode: str = "min", best=None):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.monitor = monitor
        self.mode = mode
        self.best = best

    def _improved(self, value: float) -> bool:
        if value is None or math.isnan(value):
            return False
        if self.best is None:
            return True
        return value > self.best if self.mode == "max" else value < self.best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        value = logs.get(self.monitor)
        value = None if value is None else float(value)
        if self._improved(value):
            self.best = value
            save_model_atomic(self.model, self.run_dir / "best.keras")
            write_json_atomic(self.run_dir / "best.json", {"epoch": epoch + 1, **logs})
        save_model_atomic(self.model, self.run_dir / "last.keras")
        write_json_atomic(
            self.run_dir / "state.json",
            {"epoch": epoch + 1, "best": self.best, "monitor": self.monitor, "mode": self.mode},
        )


def standard_callbacks(run_dir, monitor: str, mode: str, best=None) -> list:
    """Checkpointing, CSV log (appending on resume), TensorBoard and NaN stop."""
    import importlib.util

    run_dir = Path(run_dir)
    callbacks = [
        RunCheckpoint(run_dir, monitor=monitor, mode=mode, best=best),
        keras.callbacks.CSVLogger(str(run_dir / "log.csv"), append=True),
        keras.callbacks.TerminateOnNaN(),
    ]
    if importlib.util.find_spec("tensorboard") is not None:  # TensorBoard needs the package
        callbacks.append(
            keras.callbacks.TensorBoard(log_dir=str(run_dir / "tensorboard"), write_graph=False)
        )
    return callbacks
