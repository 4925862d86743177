"""A callback scoring the validation split's AP while ``model.fit`` runs.

Example:
    >>> ap = ValAPCallback(val_dataset, every=5, last_epoch=100)  # doctest: +SKIP
    >>> model.fit(train, epochs=100, callbacks=[ap, *standard_callbacks(...)])  # doctest: +SKIP
"""

from __future__ import annotations

import math

import keras

from zoo.detection.data import DetectionDataset


class ValAPCallback(keras.callbacks.Callback):
    """Add ``val_ap50`` and ``val_coco_ap`` to the epoch logs every ``every`` epochs.

    Other epochs log NaN (a checkpoint callback monitoring ``val_ap50`` skips them); the
    last epoch is always scored. Put it before the checkpoint callbacks.

    Args:
        dataset: the validation images and boxes (labels in the model's classes).
        every: score every this many epochs.
        last_epoch: the number of the final epoch (1-based), always scored.
        batch_size: images per ``detect`` batch.
    """

    def __init__(
        self, dataset: DetectionDataset, every: int = 1, last_epoch: int = 0, batch_size: int = 8
    ):
        super().__init__()
        self.dataset = dataset
        self.every = max(int(every), 1)
        self.last_epoch = int(last_epoch)
        self.batch_size = int(batch_size)

    def on_epoch_end(self, epoch, logs=None):
        from zoo.detection.evaluate import evaluate_detection

        if logs is None:
            return
        done = epoch + 1
        if done % self.every and done != self.last_epoch:
            logs["val_ap50"] = math.nan
            logs["val_coco_ap"] = math.nan
            return
        scores = evaluate_detection(self.model, self.dataset, batch_size=self.batch_size)
        logs["val_ap50"] = float(scores["ap50"])
        logs["val_coco_ap"] = float(scores["coco_ap"])
