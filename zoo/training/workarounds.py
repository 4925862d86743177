"""What the engines need to train data parallel as one device does: synchronised batch norm
and local-batch building under TensorFlow strategies, the scalar-log mean over
``MultiWorkerMirroredStrategy`` workers, callbacks of process 0 kept off the JAX distribution,
and telling a lost peer process from other errors.

Example:
    >>> sync_batch_norm(model)  # doctest: +SKIP
    3
"""

from __future__ import annotations

import contextlib

import keras


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


def mean_logs_over_workers() -> None:
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


def peer_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says a peer process of a multi-process run stopped answering."""
    text = str(exc).lower()
    return any(
        word in text for word in ("heartbeat", "unavailable", "connection", "gloo", "deadline")
    )
