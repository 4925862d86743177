"""Additive (Bahdanau) attention: ``a(s, h) = v^T tanh(W s + U h)``.

The keys ``U h`` depend only on the source sentence, so a decoder computes them once with
:meth:`AdditiveAttention.precompute_keys` and then calls :meth:`AdditiveAttention.step` at
every target position. Padded source positions get exactly zero weight.

Example:
    >>> import numpy as np
    >>> att = AdditiveAttention(8)
    >>> values = np.ones((2, 5, 6), "float32")          # (batch, source, value_dim)
    >>> query = np.ones((2, 4), "float32")              # (batch, query_dim)
    >>> context, weights = att(query, values)           # (2, 6), (2, 5)
"""

from __future__ import annotations

import keras
from keras import ops

# Scores of masked positions before the softmax; exp() of it underflows to 0 in float32.
_MASKED_SCORE = -1e9


@keras.saving.register_keras_serializable(package="zoo")
class AdditiveAttention(keras.layers.Layer):
    """Bahdanau attention with a score ``v^T tanh(W query + U value [+ b])``.

    Args:
        units: size of the alignment layer (``n'`` in the paper).
        use_bias: add a bias ``b`` inside the ``tanh`` (the paper has none).
        kernel_initializer: initializer of ``W`` and ``U``.
        score_initializer: initializer of ``v``.

    Call ``layer(query, values, mask=None)`` with ``query`` of shape ``(B, Dq)`` or
    ``(B, Tq, Dq)``, ``values`` of shape ``(B, Ts, Dv)`` and ``mask`` ``(B, Ts)`` (true where the
    source is real); it returns ``(context, weights)`` of shapes ``(B, [Tq,] Dv)`` and
    ``(B, [Tq,] Ts)``.
    """

    def __init__(
        self,
        units: int,
        use_bias: bool = False,
        kernel_initializer: str | dict = "glorot_uniform",
        score_initializer: str | dict = "glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.score_initializer = keras.initializers.get(score_initializer)
        self.supports_masking = True

    def build(self, query_shape, values_shape=None):
        """Create ``W`` (query_dim x units), ``U`` (value_dim x units), ``v`` and ``b``."""
        values_shape = query_shape if values_shape is None else values_shape
        self.query_kernel = self.add_weight(
            name="query_kernel",
            shape=(int(query_shape[-1]), self.units),
            initializer=self.kernel_initializer,
        )
        self.key_kernel = self.add_weight(
            name="key_kernel",
            shape=(int(values_shape[-1]), self.units),
            initializer=self.kernel_initializer,
        )
        self.score_vector = self.add_weight(
            name="score_vector", shape=(self.units,), initializer=self.score_initializer
        )
        self.bias = (
            self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
            if self.use_bias
            else None
        )
        self.built = True

    def precompute_keys(self, values):
        """Return ``U values (+ b)`` of shape ``(B, Ts, units)``; compute once per sentence."""
        keys = ops.matmul(values, self.key_kernel)
        if self.bias is not None:
            keys = keys + self.bias
        return keys

    def step(self, query, keys, values, mask=None):
        """Attend with ``query`` ``(B, [Tq,] Dq)`` over precomputed ``keys`` and ``values``.

        Returns ``(context, weights)``; ``weights`` are exactly 0 where ``mask`` is false and sum
        to 1 over the real positions (all zero for a sentence with no real position).
        """
        projected = ops.matmul(query, self.query_kernel)
        if len(query.shape) == 3:
            hidden = ops.expand_dims(projected, 2) + ops.expand_dims(keys, 1)
        else:
            hidden = ops.expand_dims(projected, 1) + keys
        scores = ops.sum(ops.tanh(hidden) * self.score_vector, axis=-1)
        scores = ops.cast(scores, "float32")
        if mask is not None:
            mask = ops.cast(mask, "bool")
            if len(query.shape) == 3:
                mask = ops.expand_dims(mask, 1)
            scores = ops.where(mask, scores, ops.full_like(scores, _MASKED_SCORE))
        weights = ops.softmax(scores, axis=-1)
        if mask is not None:
            weights = weights * ops.cast(mask, weights.dtype)
        weights = ops.cast(weights, values.dtype)
        if len(query.shape) == 3:
            context = ops.matmul(weights, values)
        else:
            context = ops.squeeze(ops.matmul(ops.expand_dims(weights, 1), values), 1)
        return context, weights

    def call(self, query, values, mask=None):
        """Precompute the keys and attend once: ``(context, weights)``."""
        return self.step(query, self.precompute_keys(values), values, mask=mask)

    def compute_mask(self, query, values, mask=None):
        return None

    def compute_output_shape(self, query_shape, values_shape):
        lead = tuple(query_shape[:-1])
        return (*lead, values_shape[-1]), (*lead, values_shape[1])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            units=self.units,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            score_initializer=keras.initializers.serialize(self.score_initializer),
        )
        return config
