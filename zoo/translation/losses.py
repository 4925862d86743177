"""Token cross-entropy with label smoothing that ignores padding (target id 0).

Averages over real target tokens: the batcher's sample weights (1 on tokens, 0 on padding)
are the divisor (``reduction="mean_with_sample_weight"``), and padded positions are zeroed
even without weights. Under data parallel training the divisor is the real tokens of the
global batch (:func:`zoo.training.replicas.global_mean`), not of each replica's rows.

Example:
    >>> import numpy as np
    >>> loss = SmoothedCrossEntropy(label_smoothing=0.1)
    >>> y = np.array([[4, 5, 0]]); w = (y != 0).astype("float32")
    >>> value = loss(y, np.zeros((1, 3, 8), "float32"), sample_weight=w)   # log(8)
"""

from __future__ import annotations

import keras
from keras import ops

from zoo.training.replicas import global_mean
from zoo.translation.tokenizer import PAD_ID


@keras.saving.register_keras_serializable(package="zoo")
class SmoothedCrossEntropy(keras.losses.Loss):
    """Sparse categorical cross-entropy from logits with label smoothing ``eps``.

    Per token: ``(1 - eps) * -log p(y) + eps * mean_k(-log p(k))``.
    """

    def __init__(
        self,
        label_smoothing: float = 0.0,
        reduction: str = "mean_with_sample_weight",
        name: str = "smoothed_cross_entropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.label_smoothing = float(label_smoothing)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.reduction != "mean_with_sample_weight" or sample_weight is None:
            return super().__call__(y_true, y_pred, sample_weight=sample_weight)
        values = self.call(y_true, y_pred)
        weights = ops.cast(sample_weight, values.dtype)
        while len(weights.shape) < len(values.shape):
            weights = ops.expand_dims(weights, -1)
        weights = ops.broadcast_to(weights, ops.shape(values))
        return global_mean(ops.sum(values * weights), ops.sum(weights))

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        log_probs = ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)
        nll = -ops.squeeze(ops.take_along_axis(log_probs, y_true[..., None], axis=-1), -1)
        if self.label_smoothing:
            smooth = -ops.mean(log_probs, axis=-1)
            nll = (1.0 - self.label_smoothing) * nll + self.label_smoothing * smooth
        return nll * ops.cast(ops.not_equal(y_true, PAD_ID), nll.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
