"""Segmentation scores from one confusion matrix over a whole split (FCN paper, Long et al.).

With ``n_ij`` the pixels of true class i predicted as j, ``t_i = sum_j n_ij`` and
``p_j = sum_i n_ij``:

- ``pixel_acc = sum_i n_ii / sum_i t_i``
- ``mean_acc = mean_i n_ii / t_i`` over classes present in the ground truth
- ``miou = mean_i n_ii / (t_i + p_i - n_ii)`` over classes present in the ground truth or the
  prediction (a class absent from both is left out, not counted as 0 or 1)
- ``fw_iou = sum_i t_i * IoU_i / sum_i t_i``

Void pixels (the ignore label, or any label outside ``0..K-1``) are left out entirely. Scores are
fractions in 0..1 (``nan`` when there is nothing to score).

Example:
    >>> conf = ConfusionMatrix(num_classes=3, ignore_index=255)
    >>> conf.update(np.array([[0, 1], [2, 255]]), np.array([[0, 1], [1, 0]]))
    >>> s = segmentation_scores(conf, ["a", "b", "c"])
    >>> round(s["miou"], 3), round(s["pixel_acc"], 3), s["per_class_iou"]
    (0.5, 0.667, {'a': 1.0, 'b': 0.5, 'c': 0.0})
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class ConfusionMatrix:
    """Accumulate a ``(K, K)`` confusion matrix (rows: truth, columns: prediction) with bincount.

    Example:
        >>> conf = ConfusionMatrix(2)
        >>> conf.update(np.array([0, 1, 1]), np.array([0, 1, 0]))
        >>> conf.matrix.tolist()
        [[1, 0], [1, 1]]
    """

    def __init__(self, num_classes: int, ignore_index: int | None = None) -> None:
        self.num_classes = int(num_classes)
        self.ignore_index = ignore_index
        self.matrix = np.zeros((self.num_classes, self.num_classes), np.int64)

    def update(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        """Add a batch (any matching shapes of integer labels; void truth pixels skipped).

        Raises ``ValueError`` when shapes differ or a prediction on a scored pixel is outside
        ``0..K-1``.
        """
        y_true = np.asarray(y_true).ravel().astype(np.int64)
        y_pred = np.asarray(y_pred).ravel().astype(np.int64)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"y_true has {y_true.size} pixels but y_pred {y_pred.size}")
        k = self.num_classes
        valid = (y_true >= 0) & (y_true < k)
        if self.ignore_index is not None:
            valid &= y_true != self.ignore_index
        y_true, y_pred = y_true[valid], y_pred[valid]
        if y_pred.size and (y_pred.min() < 0 or y_pred.max() >= k):
            raise ValueError(
                f"predictions must be in 0..{k - 1}; got {y_pred.min()}..{y_pred.max()}"
            )
        self.matrix += np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)

    def reset(self) -> None:
        """Zero the counts."""
        self.matrix[...] = 0

    def merge(self, other: ConfusionMatrix) -> ConfusionMatrix:
        """Add another matrix's counts into this one (e.g. from parallel workers); returns self."""
        self.matrix += other.matrix
        return self

    def scores(self, class_names: Sequence[str] | None = None) -> dict:
        """Shortcut for :func:`segmentation_scores` on this matrix."""
        return segmentation_scores(self, class_names)


def segmentation_scores(
    conf: ConfusionMatrix | np.ndarray, class_names: Sequence[str] | None = None
) -> dict:
    """Return ``miou``, ``pixel_acc``, ``mean_acc``, ``fw_iou`` and ``per_class_iou``.

    ``per_class_iou`` maps each class name to its IoU, or ``None`` for a class absent from both
    the ground truth and the prediction.

    Example:
        >>> segmentation_scores(np.array([[3, 1], [0, 0]]), ["road", "car"])["per_class_iou"]
        {'road': 0.75, 'car': 0.0}
    """
    matrix = np.asarray(conf.matrix if isinstance(conf, ConfusionMatrix) else conf, np.float64)
    k = matrix.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    if matrix.shape != (k, k) or len(names) != k:
        raise ValueError(f"confusion matrix {matrix.shape} does not match {len(names)} classes")
    tp = np.diag(matrix)
    truth, pred = matrix.sum(axis=1), matrix.sum(axis=0)
    union = truth + pred - tp
    present = union > 0
    in_truth = truth > 0
    iou = np.divide(tp, union, out=np.zeros(k), where=present)
    acc = np.divide(tp, truth, out=np.zeros(k), where=in_truth)
    total = truth.sum()
    nan = float("nan")
    return {
        "miou": float(iou[present].mean()) if present.any() else nan,
        "pixel_acc": float(tp.sum() / total) if total else nan,
        "mean_acc": float(acc[in_truth].mean()) if in_truth.any() else nan,
        "fw_iou": float((truth * iou).sum() / total) if total else nan,
        "per_class_iou": {n: float(iou[i]) if present[i] else None for i, n in enumerate(names)},
    }
