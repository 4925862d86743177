"""Losses that are the global batch's, however many replicas share the batch.

JAX trains data parallel as one computation over the global batch: a loss averaged over the
batch's valid pixels or tokens is the global average. A TensorFlow strategy instead runs the
loss on every replica's rows and sums the replicas' gradients; Keras' own losses divide by
their replica's count and then by the number of replicas, which is the global mean only when
every replica holds as many valid pixels (tokens, images) as the others.

:func:`global_mean` divides a replica's sum by the count of the whole global batch, so the
replicas' losses add up to the global mean (and Keras' loss log, which multiplies each by the
number of replicas and averages, shows the global mean). :func:`global_sum` is the sum over
the replicas of a value that carries no gradient; :func:`differentiable_global_sum` also lets
the gradient through to this replica's part, for losses that are not sums over rows (the
soft Jaccard term). Everywhere else (one device, JAX) they are the identity.

Example:
    >>> import numpy as np
    >>> float(global_mean(np.float32(6.0), np.float32(3.0)))
    2.0
"""

from __future__ import annotations

import keras
from keras import ops


def _replica_context():
    """The TensorFlow replica context of a step on several replicas, else None."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync < 2:
        return None
    return context


def num_replicas() -> int:
    """Replicas whose losses are summed in the current step (1 outside a TensorFlow strategy).

    Example:
        >>> num_replicas()
        1
    """
    context = _replica_context()
    return 1 if context is None else int(context.num_replicas_in_sync)


def global_sum(value):
    """``value`` summed over the replicas of the step (no gradient flows through the sum)."""
    context = _replica_context()
    if context is None:
        return value
    import tensorflow as tf

    return context.all_reduce(tf.distribute.ReduceOp.SUM, tf.stop_gradient(value))


def differentiable_global_sum(value):
    """The sum over the replicas whose gradient is that of this replica's ``value``: summed
    over the replicas (as TensorFlow sums their gradients) that is the gradient of the sum."""
    if _replica_context() is None:
        return value
    return ops.stop_gradient(global_sum(value)) + value - ops.stop_gradient(value)


def global_mean(total, count):
    """This replica's part ``total / (count summed over the replicas)`` of the global mean."""
    count = ops.cast(global_sum(count), ops.dtype(total))
    return ops.divide_no_nan(total, count)


def global_term(value):
    """A loss term ``value`` computed from :func:`differentiable_global_sum` values (the same
    on every replica), as this replica's share: its value divided by the replicas, its
    gradient this replica's part of the global term's gradient."""
    replicas = num_replicas()
    if replicas == 1:
        return value
    return value - ops.stop_gradient(value) * (1.0 - 1.0 / replicas)
