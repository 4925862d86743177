"""One training path for every application: the callbacks and ``fit``.

:func:`start_run` (:mod:`zoo.training.devices`) chooses where training runs, once per process
and before any model exists; the engines' workarounds for data-parallel training are in
:mod:`zoo.training.workarounds`; checkpoints and resume in :mod:`zoo.training.checkpoint`.

The applications build and compile their model inside :meth:`Run.scope`, give their loaders
the process's shard (:meth:`Run.shard_loader`: the recipe's batch is the global batch) and call
:func:`fit`, which adds the standard callbacks. Only process 0 writes files. Their losses are
the global batch's on any number of replicas (:mod:`zoo.training.replicas`); the flags a backend
reads at start-up are in :mod:`zoo.training.flags`.

Example:
    >>> run = start_run(devices=2)                                    # doctest: +SKIP
    >>> with run.scope():                                             # doctest: +SKIP
    ...     model = create_model("fcn8s", num_classes=11); model.compile(...)
    >>> fit(model, train, val, run_dir="runs/x", epochs=2, monitor="val_miou", mode="max")
    ... # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import keras

from zoo.errors import ZooError
from zoo.training.checkpoint import standard_callbacks
from zoo.training.devices import (  # noqa: F401  (imported from here by the applications)
    HEARTBEAT_S,
    Run,
    current_run,
    end_run,
    parse_coordinator,
    start_run,
)
from zoo.training.workarounds import (  # noqa: F401
    ProcessLocal,
    build_from_local_batch,
    outside_distribution,
    peer_lost,
    sync_batch_norm,
)


def fit(
    model: keras.Model,
    train,
    val=None,
    *,
    epochs: int,
    initial_epoch: int = 0,
    run_dir: str | os.PathLike | None = None,
    monitor: str = "val_loss",
    mode: str = "min",
    best=None,
    callbacks: list | tuple = (),
    writers: list | tuple = (),
    after: list | tuple = (),
    steps_per_epoch: int | None = None,
    verbose="auto",
):
    """``model.fit`` as every application runs it; returns the Keras ``History``.

    ``train`` and ``val`` are the applications' loaders (their shard is set here for the
    current :class:`Run`). ``callbacks`` run in every process (e.g. validation scores);
    ``writers`` (callbacks that write files) and, with ``run_dir``, the standard ones
    (atomic ``last.keras``/``best.keras`` on ``monitor``, ``state.json``, CSV and TensorBoard
    logs, NaN stop) run only in process 0, after ``callbacks``; ``after`` run last, everywhere.
    """
    run = current_run()
    if run.backend == "tensorflow" and run.replicas > 1:
        sync_batch_norm(model)
    run.shard_loader(train)
    if val is not None:
        run.shard_loader(val)
    if run.backend == "tensorflow" and run.num_processes > 1:
        build_from_local_batch(model, train)
    if run.backend == "jax" and run.replicas > 1 and not model.jit_compile:
        # Un-jitted, every op of the step is its own program over all devices; on CPU host
        # devices that deadlocked (fcn8s fine-tune, 2 devices: one device waited in XLA's
        # all-reduce while the other could not start; "Termination timeout ... 40 seconds").
        print("zoo: data parallel under JAX compiles the steps (jit_compile=True)", flush=True)
        model.jit_compile = True
    files = list(writers)
    if run_dir is not None:
        files += standard_callbacks(run_dir, monitor=monitor, mode=mode, best=best)
    everyone = process_callbacks(run, callbacks, files, after)
    if "ZOO_VERBOSE" in os.environ:
        verbose = int(os.environ["ZOO_VERBOSE"])
    if not run.chief:
        verbose = 0
    try:
        return model.fit(
            train,
            validation_data=val,
            epochs=epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            callbacks=everyone,
            shuffle=False,  # the loaders shuffle, seeded per epoch; Keras' own is unseeded
            verbose=verbose,
        )
    except Exception as exc:
        if run.num_processes > 1 and peer_lost(exc):
            print(
                f"zoo: error: process {run.process_id}: a peer process stopped answering; "
                f"rerun every process with --resume",
                file=sys.stderr,
                flush=True,
            )
            os._exit(3)  # not sys.exit: leaving would wait for the dead peer at shutdown
        raise


def resumed_model(run_dir: str | os.PathLike, resume: bool, state: dict, epochs: int):
    """``last.keras`` of ``run_dir`` (compiled) when resuming a run with epochs done, saying
    where it resumes; else None (saying so when there was nothing to resume)."""
    from zoo.api import load_model_file

    if resume and state["epoch"] > 0:
        model = load_model_file(Path(run_dir) / "last.keras", compile=True)
        print(f"zoo: resuming {run_dir} at epoch {state['epoch'] + 1}/{epochs}")
        return model
    if resume:
        print(f"zoo: nothing to resume in {run_dir}; starting fresh")
    return None


def resume_fit(model: keras.Model, train, val, state: dict, *, epochs: int, run_dir, **fit_args):
    """:func:`fit` from the epoch ``state`` (:func:`~zoo.training.checkpoint.resume_state`)
    says is done, with its best score so far; the loader draws the data order and
    augmentations of an unbroken run. A run that finished its ``epochs`` is refused."""
    if state["epoch"] >= epochs:
        raise ZooError(f"{run_dir}: the run already finished its {epochs} epochs")
    train.start_at(state["epoch"])
    return fit(
        model,
        train,
        val,
        epochs=epochs,
        initial_epoch=state["epoch"],
        run_dir=run_dir,
        best=state["best"],
        **fit_args,
    )


def process_callbacks(run: Run, everywhere, writers, after=()) -> list:
    """The callbacks this process runs: ``everywhere``, then the ``writers`` in process 0 (under
    JAX with several processes, each kept off the distribution by :class:`ProcessLocal`; the
    other processes keep only the NaN stop and those ``needed_everywhere``), then ``after``."""
    chosen = list(everywhere)
    if run.chief:
        if run.backend == "jax" and run.num_processes > 1:
            writers = [ProcessLocal(c) for c in writers]
        chosen += writers
    else:
        chosen += [c for c in writers if isinstance(c, keras.callbacks.TerminateOnNaN)]
        chosen += [c for c in writers if getattr(c, "needed_everywhere", False)]
    return chosen + list(after)
