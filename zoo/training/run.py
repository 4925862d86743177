"""One training path for every application: devices, processes, model scope, callbacks, ``fit``.

:func:`start_run` chooses where training runs, once per process and before any model exists:

- one device (the default);
- ``devices=N`` local devices, data parallel: JAX ``keras.distribution.DataParallel``,
  TensorFlow ``tf.distribute.MirroredStrategy`` (N logical CPU devices when there is no GPU);
- several processes (``coordinator="HOST:PORT"``, ``num_processes``, ``process_id``): JAX
  ``jax.distributed`` (what ``keras.distribution.initialize`` calls, here with a short
  heartbeat so that a dead peer ends the run), TensorFlow ``MultiWorkerMirroredStrategy``
  with ``TF_CONFIG`` built from the coordinator (worker ``i`` at ``PORT + i``).

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

import contextlib
import json
import os
import sys
from dataclasses import dataclass, field

import keras

from zoo.errors import ZooError
from zoo.training.checkpoint import standard_callbacks

HEARTBEAT_S = 20  # a JAX peer silent this long is dead: the others stop instead of hanging


@dataclass
class Run:
    """Where this process trains: ``devices`` local replicas, ``num_processes`` processes.

    Example:
        >>> Run().replicas, Run().chief
        (1, True)
    """

    devices: int = 1
    num_processes: int = 1
    process_id: int = 0
    backend: str = field(default_factory=lambda: keras.backend.backend())
    strategy: object | None = None  # TensorFlow only

    @property
    def replicas(self) -> int:
        """Replicas over all processes: the global batch is split this many ways."""
        return self.devices * self.num_processes

    @property
    def chief(self) -> bool:
        """True on process 0, the only one that writes checkpoints, logs and weights."""
        return self.process_id == 0

    def scope(self):
        """Context in which models (and their optimizers) are created and compiled."""
        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def shard_loader(self, loader):
        """Give ``loader`` this process's rows of every global batch (see ``EpochBatches``)."""
        if not hasattr(loader, "set_shard") or self.replicas == 1:
            return loader
        if self.strategy is not None:
            # tf.distribute splits the global batches itself: with several workers its
            # automatic DATA sharding gives each worker its replicas' rows of every batch
            loader.set_shard(0, 1, self.replicas)
        else:
            loader.set_shard(self.process_id, self.num_processes, self.replicas)
        return loader

    def describe(self) -> str:
        """One line for the log: engine, devices and processes."""
        if self.replicas == 1:
            return f"zoo: training on one device ({self.backend})"
        return (
            f"zoo: data parallel over {self.replicas} replicas ({self.devices} device(s) x "
            f"{self.num_processes} process(es), {self.backend}); this is process {self.process_id}"
        )


_RUN: Run | None = None


def current_run() -> Run:
    """The :class:`Run` :func:`start_run` chose, or one device when it was never called."""
    return _RUN if _RUN is not None else Run()


def end_run() -> None:
    """Forget the :class:`Run` (back to one device); processes already joined stay joined."""
    global _RUN
    _RUN = None
    if keras.backend.backend() == "jax":
        keras.distribution.set_distribution(None)


def sync_batch_norm(model: keras.Model) -> int:
    """Make every ``BatchNormalization`` of ``model`` use the statistics of the global batch
    (``synchronized=True``), as one device does: TensorFlow's replicas otherwise normalise
    by their own rows. JAX needs nothing: its data parallel step is one global computation.
    Returns the number of layers changed."""
    changed = 0
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization) and not layer.synchronized:
            layer.synchronized = True
            changed += 1
    return changed


def build_from_local_batch(model: keras.Model, loader) -> None:
    """Make ``model.fit`` build ``model`` from this process's first batch of ``loader``.

    Under a TensorFlow strategy Keras builds the model from the first distributed batch,
    averaged over the replicas (``strategy.reduce("MEAN", batch)``), which
    ``MultiWorkerMirroredStrategy`` refuses ("Attempt to convert a value (PerReplica ...) to a
    Tensor"); only the shapes and dtypes matter, and those of a local batch are the same.
    """
    batch = loader[0]

    def build(iterator=None, data_batch=None):
        with model.distribute_strategy.scope():
            model._symbolic_build(data_batch=batch)

    model._maybe_symbolic_build = build


def parse_coordinator(text: str) -> tuple[str, int]:
    """``"HOST:PORT"`` as ``(host, port)``; :class:`ZooError` when malformed.

    Example:
        >>> parse_coordinator("127.0.0.1:1234")
        ('127.0.0.1', 1234)
    """
    host, _, port = str(text).rpartition(":")
    if not host or not port.isdigit():
        raise ZooError(f"--coordinator {text!r}: expected HOST:PORT, e.g. 127.0.0.1:9876")
    return host, int(port)


def start_run(
    devices: int | None = None,
    coordinator: str | None = None,
    num_processes: int = 1,
    process_id: int = 0,
    heartbeat_s: int = HEARTBEAT_S,
) -> Run:
    """Set up devices and processes for this process's training; returns the :class:`Run`.

    Call once, before any model or variable is created. ``devices`` (default 1) is the
    number of local devices per process.
    """
    global _RUN
    devices = int(devices or 1)
    num_processes = int(num_processes or 1)
    if not 0 <= int(process_id) < num_processes:
        raise ZooError(f"--process-id {process_id}: must be in 0..{num_processes - 1}")
    if num_processes > 1 and not coordinator:
        raise ZooError("--num-processes > 1 needs --coordinator HOST:PORT")
    backend = keras.backend.backend()
    if backend == "jax":
        run = _start_jax(devices, coordinator, num_processes, int(process_id), heartbeat_s)
    elif backend == "tensorflow":
        run = _start_tensorflow(devices, coordinator, num_processes, int(process_id))
    elif devices == 1 and num_processes == 1:
        run = Run(backend=backend)
    else:
        raise ZooError(f"data-parallel training needs the jax or tensorflow backend, not {backend}")
    _RUN = run
    if run.replicas > 1:
        print(run.describe(), flush=True)
    return run


def _start_jax(devices, coordinator, num_processes, process_id, heartbeat_s) -> Run:
    import jax

    if num_processes > 1:
        host, port = parse_coordinator(coordinator)
        try:
            # keras.distribution.initialize(...) with a short heartbeat, which it cannot pass
            jax.distributed.initialize(
                f"{host}:{port}",
                num_processes=num_processes,
                process_id=process_id,
                initialization_timeout=120,
                heartbeat_timeout_seconds=heartbeat_s,
                shutdown_timeout_seconds=60,
            )
        except Exception as exc:  # jax raises plain RuntimeErrors
            raise ZooError(f"could not join {host}:{port} as process {process_id}: {exc}") from exc
        # as keras.distribution.initialize does after joining: one random seed in every process
        # (when none is set), so that variables are created with the same values everywhere;
        # jax refuses to place values that differ between processes on their devices (loading
        # a model first creates its variables with random values: 'not the same on each process')
        from keras.src.backend.jax.distribution_lib import initialize_rng

        initialize_rng()
    local = jax.local_devices()
    if devices > len(local):
        hint = (
            " (on CPU set XLA_FLAGS=--xla_force_host_platform_device_count=N before jax starts; "
            "the zoo command does this itself)"
            if local[0].platform == "cpu"
            else ""
        )
        raise ZooError(f"--devices {devices}: this process sees {len(local)} device(s){hint}")
    if devices == 1 and num_processes == 1:
        return Run(backend="jax")
    # the first ``devices`` devices of every process, in process order (the batch order)
    chosen = [
        d
        for p in range(num_processes)
        for d in [d for d in jax.devices() if d.process_index == p][:devices]
    ]
    # each process's loader already reads only its rows (Run.shard_loader): no auto-sharding
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=chosen, auto_shard_dataset=False)
    )
    return Run(devices, num_processes, process_id, "jax")


def _start_tensorflow(devices, coordinator, num_processes, process_id) -> Run:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if devices > 1 and not gpus:
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * devices
            )
        except RuntimeError as exc:  # TensorFlow already started in this process
            raise ZooError(f"--devices {devices}: TensorFlow started too early ({exc})") from exc
    if num_processes > 1:
        host, port = parse_coordinator(coordinator)
        os.environ["TF_CONFIG"] = json.dumps(
            {
                "cluster": {"worker": [f"{host}:{port + i}" for i in range(num_processes)]},
                "task": {"type": "worker", "index": process_id},
            }
        )
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        _mean_logs_over_workers()
    elif devices > 1:
        kind = "GPU" if gpus else "CPU"
        strategy = tf.distribute.MirroredStrategy(
            [f"/device:{kind}:{i}" for i in range(devices)],
            cross_device_ops=tf.distribute.ReductionToOneDevice(),
        )
    else:
        return Run(backend="tensorflow")
    return Run(devices, num_processes, process_id, "tensorflow", strategy)


def _mean_logs_over_workers() -> None:
    """Let Keras average a step's scalar logs over ``MultiWorkerMirroredStrategy`` workers.

    Keras 3 reduces them with ``strategy.reduce("MEAN", value, axis=0)``, which fails on
    scalars ("Invalid reduction dimension 0 for input with 0 dimensions", tensorflow issue
    72388); the mean over the replicas (``axis=None``) is what it means.
    """
    from keras import tree
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica
    if getattr(original, "zoo_patched", False):
        return

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):
            return tree.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
        return original(values, strategy, reduction)

    reduce_per_replica.zoo_patched = True
    trainer.reduce_per_replica = reduce_per_replica


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
    everyone = list(callbacks)
    files = list(writers)
    if run_dir is not None:
        files += standard_callbacks(run_dir, monitor=monitor, mode=mode, best=best)
    if run.chief:
        if run.backend == "jax" and run.num_processes > 1:
            files = [ProcessLocal(c) for c in files]
        everyone += files
    else:
        everyone += [c for c in files if isinstance(c, keras.callbacks.TerminateOnNaN)]
        everyone += [c for c in files if getattr(c, "needed_everywhere", False)]
    everyone += list(after)
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
        if run.num_processes > 1 and _peer_lost(exc):
            print(
                f"zoo: error: process {run.process_id}: a peer process stopped answering; "
                f"rerun every process with --resume",
                file=sys.stderr,
                flush=True,
            )
            os._exit(3)  # not sys.exit: leaving would wait for the dead peer at shutdown
        raise


_HOOKS = tuple(
    f"on_{stage}_{when}"
    for stage in (
        "train",
        "test",
        "predict",
        "epoch",
        "batch",
        "train_batch",
        "test_batch",
        "predict_batch",
    )
    for when in ("begin", "end")
)


@contextlib.contextmanager
def outside_distribution():
    """Run the body without the JAX distribution (back to it after): what it creates stays on
    this process's devices. For code that only process 0 runs, e.g. ``model.save``, which
    builds a throwaway optimizer whose variables would otherwise be placed on every process's
    devices, a collective the other processes never join (process 0 then hangs)."""
    if keras.backend.backend() != "jax" or keras.distribution.distribution() is None:
        yield
        return
    distribution = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(distribution)


class ProcessLocal(keras.callbacks.Callback):
    """``inner``, a callback only process 0 runs, with every hook :func:`outside_distribution`.

    Example:
        >>> ProcessLocal(keras.callbacks.CSVLogger("log.csv")).inner.filename
        'log.csv'
    """

    def __init__(self, inner: keras.callbacks.Callback):
        super().__init__()
        self.inner = inner
        for name in _HOOKS:
            hook = getattr(inner, name)
            if getattr(hook, "_is_default", False):  # Keras skips hooks left as they are
                setattr(self, name, hook)
            else:
                setattr(self, name, self._local(hook))

    @staticmethod
    def _local(hook):
        def call(*args, **kwargs):
            with outside_distribution():
                return hook(*args, **kwargs)

        return call

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.inner.set_params(params)


def _peer_lost(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(
        word in text for word in ("heartbeat", "unavailable", "connection", "gloo", "deadline")
    )
