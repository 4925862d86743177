"""What the training data loaders share: epoch order, batch indices, seeds, a decode cache.

:class:`EpochBatches` is a ``keras.utils.PyDataset`` over ``len(dataset)`` items. Batch
``index`` of an epoch takes the items of a (re)shuffled order; :meth:`batch_items` gives each
row its own random generator seeded by ``(seed, epoch, index, row)``, so a batch is the same
whichever worker or process makes it and a new epoch draws new augmentations.

Data parallel training (:mod:`zoo.training.run`): ``batch_size`` is the global batch;
:meth:`set_shard` makes this copy read only its process's rows of every global batch, so
the processes together read each sample once per epoch and the global batch (items and
augmentations) does not depend on the number of processes. Decoded items may be kept in
``_cache`` (thread-safe through ``remember``); the loader stays picklable for spawned workers.

Example:
    >>> class Squares(EpochBatches):
    ...     def __getitem__(self, index):
    ...         ids, _ = self.batch_ids(index)
    ...         return ids ** 2
    >>> Squares(list(range(5)), batch_size=2)[2]
    array([16])

A resumed run calls :meth:`start_at` with the epochs already done, so it draws the same order
and augmentations as a run that was never interrupted.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sized

import keras
import numpy as np


class EpochBatches(keras.utils.PyDataset):
    """Base of the loaders: subclasses implement ``__getitem__`` with :meth:`batch_ids`.

    Args:
        dataset: anything with a length (the items are numbered ``0..len - 1``).
        batch_size: items per batch.
        shuffle: reshuffle every epoch.
        cache: keep decoded items (see :meth:`remember`).
        drop_remainder: drop the last, smaller batch.
        seed: seed of order and augmentation (reproducible per epoch and batch).
        workers, use_multiprocessing, max_queue_size: passed to ``keras.utils.PyDataset``.
    """

    def __init__(
        self,
        dataset: Sized,
        batch_size: int = 8,
        shuffle: bool = False,
        cache: bool = False,
        drop_remainder: bool = False,
        seed: int = 0,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ) -> None:
        super().__init__(
            workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size
        )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.cache = cache
        self.drop_remainder = drop_remainder
        self.seed = int(seed)
        self.epoch = 0
        self._cache: dict[int, object] = {}
        self._lock = threading.Lock()
        self._order = self._make_order()
        self.shard_index, self.num_shards, self.multiple = 0, 1, 1

    def __len__(self) -> int:
        n = len(self.dataset) / self.batch_size
        return max(1, math.floor(n)) if self.drop_remainder else math.ceil(n)

    def set_shard(self, index: int, count: int, multiple: int | None = None) -> None:
        """Read rows ``index``/``count`` of every global batch; ``multiple`` (the replicas,
        default ``count``) must divide the batch size. A last, smaller batch is filled up to a
        multiple with the first items of the epoch's order (as PyTorch's
        ``DistributedSampler`` pads), so it splits evenly and no item is left out.

        Example:
            >>> loader.set_shard(1, 2)  # doctest: +SKIP
        """
        multiple = int(multiple or count)
        if multiple % count or self.batch_size % multiple:
            raise ValueError(
                f"batch size {self.batch_size} cannot be split over {multiple} replicas "
                f"in {count} process(es)"
            )
        self.shard_index, self.num_shards, self.multiple = int(index), int(count), multiple

    def batch_items(self, index: int) -> list[tuple[int, np.random.Generator]]:
        """``(item, generator)`` for this process's rows of batch ``index`` this epoch."""
        ids, _ = self.batch_ids(index)
        if len(ids) % self.multiple:
            ids = np.resize(
                np.concatenate([ids, self._order]), -(-len(ids) // self.multiple) * self.multiple
            )
        per = len(ids) // self.num_shards
        rows = range(self.shard_index * per, (self.shard_index + 1) * per)
        return [
            (int(ids[r]), np.random.default_rng([self.seed, self.epoch, index, r])) for r in rows
        ]

    def batch_ids(self, index: int) -> tuple[np.ndarray, np.random.Generator]:
        """The item numbers of batch ``index`` this epoch and its random generator."""
        if index < 0 or index >= len(self):
            raise IndexError(f"batch {index} out of range ({len(self)} batches)")
        ids = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        return ids, np.random.default_rng([self.seed, self.epoch, index])

    def remember(self, i: int, item):
        """Keep decoded item ``i`` when caching; returns ``item``."""
        if self.cache:
            with self._lock:
                self._cache[i] = item
        return item

    def start_at(self, epoch: int) -> None:
        """Continue at ``epoch`` (epochs done): the order and draws an unbroken run would use.

        Example:
            >>> loader.start_at(3)  # doctest: +SKIP
        """
        self.epoch = int(epoch)
        self._order = self._make_order()

    def on_epoch_end(self) -> None:
        """Advance the epoch: new shuffle order and new augmentation draws."""
        self.epoch += 1
        self._order = self._make_order()

    def __getstate__(self) -> dict:
        # Picklable for spawned workers: the lock is recreated and the cache left behind.
        state = self.__dict__.copy()
        state["_lock"], state["_cache"] = None, {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _make_order(self) -> np.ndarray:
        order = np.arange(len(self.dataset))
        if self.shuffle:
            np.random.default_rng([self.seed, self.epoch, 1 << 30]).shuffle(order)
        return order
