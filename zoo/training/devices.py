"""Where training runs: devices and processes, chosen once per process by :func:`start_run`.

- one device (the default);
- ``devices=N`` local devices, data parallel: JAX ``keras.distribution.DataParallel``,
  TensorFlow ``tf.distribute.MirroredStrategy`` (N logical CPU devices when there is no GPU);
- several processes (``coordinator="HOST:PORT"``, ``num_processes``, ``process_id``): JAX
  ``jax.distributed`` (what ``keras.distribution.initialize`` calls, here with a short
  heartbeat so that a dead peer ends the run), TensorFlow ``MultiWorkerMirroredStrategy``
  with ``TF_CONFIG`` built from the coordinator (worker ``i`` at ``PORT + i``).

Example:
    >>> run = start_run(devices=2)  # doctest: +SKIP
    >>> run.replicas, run.chief  # doctest: +SKIP
    (2, True)
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field

import keras

from zoo.errors import ZooError
from zoo.training.workarounds import mean_logs_over_workers

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
        mean_logs_over_workers()
    elif devices > 1:
        kind = "GPU" if gpus else "CPU"
        strategy = tf.distribute.MirroredStrategy(
            [f"/device:{kind}:{i}" for i in range(devices)],
            cross_device_ops=tf.distribute.ReductionToOneDevice(),
        )
    else:
        return Run(backend="tensorflow")
    return Run(devices, num_processes, process_id, "tensorflow", strategy)
