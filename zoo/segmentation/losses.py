"""Segmentation losses: pixel cross-entropy, optionally plus a Jaccard (IoU) term.

Cross-entropy is dominated by the large classes (road, sky, building); mean IoU weighs every
class the same. The soft Jaccard term (Rahman & Wang, 2016; the smooth surrogate that the
Lovász-softmax of Berman et al., 2018 refines) is ``1 - mean_c |P_c ∩ T_c| / |P_c ∪ T_c|`` over
the classes present in the batch, with softmax probabilities for P: a thin class such as pole
pulls on the gradient as much as road does. ``jaccard="lovasz"`` uses the Lovász-softmax
instead (Berman, Rannen Triki & Blaschko, 2018): the tight convex extension of each class's
Jaccard loss, computed from the pixels' errors sorted per class. Void pixels
(``ignore_class``, or a zero ``sample_weight``) count in neither term.

``ohem_thresh`` turns on online hard example mining for the cross-entropy (Shrivastava et al.,
2016, as Cityscapes recipes use it for poles and signs): only the pixels whose probability for
their true class is below the threshold count, and at least the ``ohem_min_kept`` hardest
(lowest probability) of each replica's batch whenever fewer are below it; the term is averaged
over the pixels kept (of the global batch).
Easy road and sky pixels then stop diluting the gradient of the few thin-object ones.

Both terms are those of the global batch under data parallel training
(:mod:`zoo.training.replicas`): the cross-entropy is divided by the non-void pixels of the
whole batch, the soft Jaccard term sums its intersections and unions over all replicas; the
Lovász term, which needs every pixel's error sorted, is each replica's own, averaged.

Example:
    >>> loss = SegmentationLoss(ignore_class=11, jaccard_weight=1.0)
    >>> model.compile(optimizer="adam", loss=loss)  # doctest: +SKIP
"""

from __future__ import annotations

import keras
from keras import ops

from zoo.training.replicas import (
    differentiable_global_sum,
    global_mean,
    global_term,
    num_replicas,
)

JACCARD_KINDS = ("soft", "lovasz")
OHEM_MIN_KEPT = 100_000  # the hardest pixels kept at least, per replica batch


def soft_jaccard_loss(labels, probs, valid, num_classes: int, eps: float = 1.0):
    """``1 - mean soft IoU`` over the classes present; ``labels`` (N, H, W) int, ``probs``
    (N, H, W, C) softmax, ``valid`` (N, H, W) 0/1 float. The intersections and unions are
    those of the global batch (summed over data parallel replicas, :mod:`zoo.training.replicas`)."""
    truth = ops.one_hot(ops.cast(labels, "int32"), num_classes) * valid[..., None]
    probs = probs * valid[..., None]
    axes = tuple(range(len(probs.shape) - 1))
    intersection = differentiable_global_sum(ops.sum(probs * truth, axis=axes))
    predicted = differentiable_global_sum(ops.sum(probs, axis=axes))
    true = differentiable_global_sum(ops.sum(truth, axis=axes))
    union = predicted + true - intersection
    iou = (intersection + eps) / (union + eps)
    present = ops.cast(true > 0, probs.dtype)
    return 1.0 - ops.sum(iou * present) / ops.maximum(ops.sum(present), 1.0)


def lovasz_softmax_loss(labels, probs, valid, num_classes: int):
    """The Lovász-softmax loss (Berman et al., 2018), averaged over the classes present.

    For each class the pixels' errors ``|[label == c] - p_c|`` are sorted in decreasing order
    and weighted by the increments of the Jaccard loss along that order (the gradient of its
    Lovász extension), so the loss equals ``1 - IoU`` on hard 0/1 predictions and is its
    tightest convex surrogate between them. ``labels`` (N, H, W) int, ``probs`` (N, H, W, C)
    softmax, ``valid`` (N, H, W) 0/1 float; invalid pixels count as error 0 and fall last.

    Example:
        >>> probs = ops.one_hot(ops.array([[[0, 1]]]), 2)  # a perfect prediction
        >>> float(lovasz_softmax_loss(ops.array([[[0, 1]]]), probs, ops.ones((1, 1, 2)), 2))
        0.0
    """
    valid = ops.reshape(valid, (-1, 1))
    truth = ops.one_hot(ops.reshape(ops.cast(labels, "int32"), (-1,)), num_classes) * valid
    probs = ops.reshape(probs, (-1, num_classes))
    errors = ops.abs(truth - probs) * valid  # (P, C)
    order = ops.argsort(-ops.stop_gradient(errors), axis=0)
    errors_sorted = ops.take_along_axis(errors, order, axis=0)
    truth_sorted = ops.take_along_axis(truth, order, axis=0)
    valid_sorted = ops.take_along_axis(ops.broadcast_to(valid, ops.shape(truth)), order, axis=0)
    true = ops.sum(truth, axis=0)  # (C,)
    intersection = true - ops.cumsum(truth_sorted, axis=0)
    union = true + ops.cumsum((1.0 - truth_sorted) * valid_sorted, axis=0)
    jaccard = 1.0 - intersection / ops.maximum(union, 1.0)
    increments = ops.concatenate([jaccard[:1], jaccard[1:] - jaccard[:-1]], axis=0)
    per_class = ops.sum(errors_sorted * ops.stop_gradient(increments), axis=0)
    present = ops.cast(true > 0, probs.dtype)
    return ops.sum(per_class * present) / ops.maximum(ops.sum(present), 1.0)


@keras.saving.register_keras_serializable(package="zoo")
class SegmentationLoss(keras.losses.Loss):
    """Sparse cross-entropy from logits (as ``keras.losses.SparseCategoricalCrossentropy``,
    ``sample_weight`` included) plus ``jaccard_weight`` times :func:`soft_jaccard_loss`
    (``jaccard="soft"``) or :func:`lovasz_softmax_loss` (``jaccard="lovasz"``); with
    ``ohem_thresh`` the cross-entropy of the hard pixels only (the module's docstring)."""

    def __init__(
        self,
        ignore_class: int | None = None,
        jaccard_weight: float = 0.0,
        jaccard: str = "soft",
        ohem_thresh: float | None = None,
        ohem_min_kept: int = OHEM_MIN_KEPT,
        name: str = "segmentation_loss",
        **kwargs,
    ):
        if jaccard not in JACCARD_KINDS:
            raise ValueError(f"jaccard must be one of {JACCARD_KINDS}, got {jaccard!r}")
        if ohem_thresh is not None and not 0.0 < float(ohem_thresh) <= 1.0:
            raise ValueError(f"ohem_thresh must be in (0, 1], got {ohem_thresh!r}")
        if int(ohem_min_kept) < 1:
            raise ValueError(f"ohem_min_kept must be at least 1, got {ohem_min_kept!r}")
        super().__init__(name=name, **kwargs)
        self.ignore_class = ignore_class
        self.jaccard_weight = float(jaccard_weight)
        self.jaccard = jaccard
        self.ohem_thresh = None if ohem_thresh is None else float(ohem_thresh)
        self.ohem_min_kept = int(ohem_min_kept)
        self.cross_entropy = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=ignore_class, reduction="sum"
        )

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.ohem_thresh is None:
            # Keras' mean: the weighted sum over the non-void pixels' count (not the weights')
            total = self.cross_entropy(y_true, y_pred, sample_weight=sample_weight)
            if self.ignore_class is None:
                count = ops.cast(ops.size(y_true), "float32")
            else:
                count = ops.sum(ops.cast(ops.not_equal(y_true, self.ignore_class), "float32"))
            loss = global_mean(total, count)
            if not self.jaccard_weight:
                return loss
        logits = ops.cast(y_pred, "float32")
        labels = ops.cast(ops.reshape(y_true, ops.shape(logits)[:-1]), "int32")
        valid = ops.ones_like(labels, dtype="float32")
        if self.ignore_class is not None:
            valid = valid * ops.cast(ops.not_equal(labels, self.ignore_class), "float32")
            labels = ops.where(ops.equal(labels, self.ignore_class), 0, labels)
        weight = None
        if sample_weight is not None:
            weight = ops.reshape(ops.cast(sample_weight, "float32"), ops.shape(labels))
            valid = valid * ops.cast(weight > 0, "float32")
        if self.ohem_thresh is not None:
            loss = self._ohem_cross_entropy(labels, logits, valid, weight)
            if not self.jaccard_weight:
                return loss
        probs = ops.softmax(logits, axis=-1)
        if self.jaccard == "lovasz":
            term = lovasz_softmax_loss(labels, probs, valid, int(logits.shape[-1]))
            jaccard = term / num_replicas()  # each replica's own; their sum is the mean
        else:
            jaccard = global_term(soft_jaccard_loss(labels, probs, valid, int(logits.shape[-1])))
        return loss + self.jaccard_weight * ops.cast(jaccard, loss.dtype)

    def _ohem_cross_entropy(self, labels, logits, valid, weight):
        """The cross-entropy of the hard pixels (see the module's docstring), weighted by
        ``weight`` and averaged over the pixels kept (of the global batch)."""
        log_probs = ops.log_softmax(logits, axis=-1)
        true_log_prob = ops.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]
        prob = ops.stop_gradient(ops.exp(true_log_prob))
        # void sorts last; the padding keeps top_k's k static and below the pixel count
        flat = ops.reshape(ops.where(valid > 0, prob, 2.0), (-1,))
        flat = ops.concatenate([flat, ops.full((self.ohem_min_kept,), 2.0, flat.dtype)])
        kth_lowest = -ops.top_k(-flat, self.ohem_min_kept, sorted=True)[0][-1]
        hard = ops.logical_or(prob < self.ohem_thresh, prob <= kth_lowest)
        kept = valid * ops.cast(hard, "float32")
        pixel = -true_log_prob * kept
        if weight is not None:
            pixel = pixel * weight
        return global_mean(ops.sum(pixel), ops.sum(kept))

    def call(self, y_true, y_pred):  # pragma: no cover - __call__ does the work
        return self.cross_entropy.call(y_true, y_pred)

    def get_config(self):
        return {
            "name": self.name,
            "ignore_class": self.ignore_class,
            "jaccard_weight": self.jaccard_weight,
            "jaccard": self.jaccard,
            "ohem_thresh": self.ohem_thresh,
            "ohem_min_kept": self.ohem_min_kept,
        }
