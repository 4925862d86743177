"""Length-bucketed, padded batches of sentence pairs for ``model.fit`` (numpy only).

Pairs are shuffled, cut into chunks, sorted by length inside each chunk and grouped into
batches, so a batch holds sentences of similar length and is padded only to its own longest
sentence (rounded up to ``length_multiple``, which bounds the number of distinct shapes a
compiled train step sees; the second batch gets extra padding when needed so that Keras'
TensorFlow adapter keeps the lengths dynamic). A batch is
``((src_ids, tgt_in_ids), tgt_out_ids, weights)`` with 0 = pad and ``weights`` 1.0 on real
target tokens, 0.0 on padding.

Example:
    >>> src = [[5, 6, 3], [7, 3]]
    >>> tgt = [[2, 8, 9, 3], [2, 9, 3]]      # bos ... eos
    >>> (s, t_in), t_out, w = TranslationBatches(src, tgt, batch_size=2, shuffle=False)[0]
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from zoo.errors import ZooError


def pad_batch(sequences: Sequence[Sequence[int]], length_multiple: int = 1) -> np.ndarray:
    """Right-pad int sequences with 0 to the longest (rounded up to ``length_multiple``)."""
    longest = max((len(s) for s in sequences), default=0)
    longest = max(1, -(-longest // length_multiple) * length_multiple)
    out = np.zeros((len(sequences), longest), np.int32)
    for row, seq in enumerate(sequences):
        out[row, : len(seq)] = seq
    return out


def encode_pairs(tokenizer, sources: Sequence[str], targets: Sequence[str]):
    """Encode sentence pairs: sources as ``ids + [eos]``, targets as ``[bos] + ids + [eos]``."""
    return (
        tokenizer.encode(list(sources), add_bos=False, add_eos=True),
        tokenizer.encode(list(targets), add_bos=True, add_eos=True),
    )


def drop_too_long(tokenizer, sources: Sequence[str], targets: Sequence[str], max_length: int):
    """The pairs whose encodings fit ``max_length`` ids (source + eos, bos + target + eos).

    A pair cut to the window would teach the model a wrong translation that stops
    mid-sentence, so training drops it instead (OpenNMT's ``filtertoolong`` does the same).
    Returns ``(sources, targets, dropped)``.

    Example:
        >>> drop_too_long(tokenizer, ["Hi."], ["Salut."], 64)  # doctest: +SKIP
        (['Hi.'], ['Salut.'], 0)
    """
    keep = [
        tokenizer.count(s) + 1 <= max_length and tokenizer.count(t) + 2 <= max_length
        for s, t in zip(sources, targets, strict=True)
    ]
    kept_sources = [s for s, k in zip(sources, keep, strict=True) if k]
    kept_targets = [t for t, k in zip(targets, keep, strict=True) if k]
    return kept_sources, kept_targets, len(keep) - len(kept_sources)


class TranslationBatches(keras.utils.PyDataset):
    """Bucketed batches of ``(source ids, target ids)`` for teacher-forced training.

    Args:
        sources: id sequences of the source sentences (ending with eos, no bos).
        targets: id sequences of the target sentences, ``bos ... eos``; the model reads
            ``target[:-1]`` and predicts ``target[1:]``.
        batch_size: sentences per batch (ignored when ``max_tokens`` is set).
        max_tokens: token budget per batch instead: ``batch size x longest sentence`` (source
            or target) stays within it.
        shuffle: reshuffle every epoch (with ``batch_size`` the batches are rebuilt; with
            ``max_tokens`` their order is, so that the number of batches stays fixed).
        chunk_batches: chunk size in batches for the sort-within-chunk bucketing.
        length_multiple: pad lengths up to a multiple of this.
        max_length: drop ids past this length (eos kept); ``None`` keeps everything.
        seed: the shuffling seed.
    """

    def __init__(
        self,
        sources: Sequence[Sequence[int]],
        targets: Sequence[Sequence[int]],
        batch_size: int = 64,
        max_tokens: int | None = None,
        shuffle: bool = True,
        chunk_batches: int = 50,
        length_multiple: int = 8,
        max_length: int | None = None,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if len(sources) != len(targets):
            raise ZooError(f"{len(sources)} source but {len(targets)} target sentences")
        if not sources:
            raise ZooError("no sentence pairs to batch")
        if batch_size < 1 or (max_tokens is not None and max_tokens < 1):
            raise ZooError("batch_size and max_tokens must be positive")
        self.sources = [self._cut(s, max_length) for s in sources]
        self.targets = [self._cut(t, max_length) for t in targets]
        if min(len(t) for t in self.targets) < 2:
            raise ZooError("every target needs at least bos and eos (2 ids)")
        self.batch_size = int(batch_size)
        self.max_tokens = max_tokens
        self.shuffle = shuffle
        self.chunk_batches = int(chunk_batches)
        self.length_multiple = int(length_multiple)
        self.seed = int(seed)
        self._rng = np.random.default_rng(seed)
        self.shard_index, self.num_shards, self.multiple = 0, 1, 1
        self._src_len = np.array([len(s) for s in self.sources])
        self._tgt_len = np.array([len(t) - 1 for t in self.targets])
        self._batches = self._make_batches()

    @staticmethod
    def _cut(ids: Sequence[int], max_length: int | None) -> list[int]:
        ids = list(ids)
        if max_length is not None and len(ids) > max_length:
            ids = ids[: max_length - 1] + ids[-1:]
        return ids

    def _make_batches(self) -> list[np.ndarray]:
        n = len(self.sources)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        chunk = max(1, self.chunk_batches * self.batch_size)
        if self.max_tokens is not None:
            chunk = max(chunk, n)  # one global sort: the tightest token-budget batches
        batches: list[np.ndarray] = []
        for start in range(0, n, chunk):
            idx = order[start : start + chunk]
            keys = np.maximum(self._src_len[idx], self._tgt_len[idx]) * 10_000 + self._src_len[idx]
            idx = idx[np.argsort(keys, kind="stable")]
            batches.extend(self._group(idx))
        if self.shuffle:
            self._rng.shuffle(batches)
        return batches

    def _group(self, idx: np.ndarray) -> list[np.ndarray]:
        if self.max_tokens is None:
            return [idx[i : i + self.batch_size] for i in range(0, len(idx), self.batch_size)]
        groups, current, longest = [], [], 0
        lengths = np.maximum(self._src_len[idx], self._tgt_len[idx])
        for i, length in zip(idx, lengths, strict=True):
            padded = -(-max(longest, length) // self.length_multiple) * self.length_multiple
            if current and padded * (len(current) + 1) > self.max_tokens:
                groups.append(np.array(current))
                current, longest = [], 0
            current.append(i)
            longest = max(longest, length)
        if current:
            groups.append(np.array(current))
        return groups

    def __len__(self) -> int:
        return len(self._batches)

    def _widths(self, index: int) -> tuple[int, int]:
        """Padded (source, target) lengths of batch ``index``."""
        idx, m = self._batches[index], self.length_multiple
        src = max(1, -(-int(self._src_len[idx].max()) // m) * m)
        tgt = max(1, -(-int(self._tgt_len[idx].max()) // m) * m)
        if index == 1 and len(self._batches) > 1:
            # Keras' TensorFlow adapter fixes every length its first two batches agree on;
            # make them differ so that the lengths stay dynamic (the extra columns are padding).
            src0, tgt0 = self._widths(0)
            src, tgt = src + m * (src == src0), tgt + m * (tgt == tgt0)
        return src, tgt

    def set_shard(self, index: int, count: int, multiple: int | None = None) -> None:
        """Read rows ``index``/``count`` of every global batch (data parallel training, as
        :meth:`zoo.data.batches.EpochBatches.set_shard`); a batch is filled up to a multiple
        of ``multiple`` rows by repeating its own first pairs, so it splits evenly.

        Example:
            >>> batches.set_shard(0, 2)  # doctest: +SKIP
        """
        self.shard_index, self.num_shards = int(index), int(count)
        self.multiple = int(multiple or count)
        if self.multiple % self.num_shards:
            raise ValueError(f"{self.multiple} replicas cannot split over {count} processes")

    def _rows(self, index: int) -> np.ndarray:
        idx = self._batches[index]
        if self.multiple == 1:
            return idx
        idx = np.resize(idx, -(-len(idx) // self.multiple) * self.multiple)
        per = len(idx) // self.num_shards
        return idx[self.shard_index * per : (self.shard_index + 1) * per]

    def __getitem__(self, index: int):
        idx = self._rows(index)
        src_width, tgt_width = self._widths(index)  # of the global batch: alike in every process
        src = np.zeros((len(idx), src_width), np.int32)
        tgt = np.zeros((len(idx), tgt_width + 1), np.int32)
        for row, i in enumerate(idx):
            src[row, : len(self.sources[i])] = self.sources[i]
            tgt[row, : len(self.targets[i])] = self.targets[i]
        tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
        weights = (tgt_out != 0).astype(np.float32)
        return (src, tgt_in), tgt_out, weights

    def start_at(self, epoch: int) -> None:
        """Continue a run at ``epoch`` (epochs done) with an order drawn for it (seed and
        epoch), not the first epoch's again: a resumed run meets batches it has not just seen.

        Example:
            >>> batches.start_at(9)  # doctest: +SKIP
        """
        if self.shuffle and epoch > 0:
            self._rng = np.random.default_rng([self.seed, int(epoch)])
            self._batches = self._make_batches()

    def on_epoch_end(self) -> None:
        if not self.shuffle:
            return
        if self.max_tokens is None:
            self._batches = self._make_batches()
        else:
            self._rng.shuffle(self._batches)

    @property
    def num_tokens(self) -> int:
        """Number of real target tokens predicted in one epoch."""
        return int(self._tgt_len.sum())
