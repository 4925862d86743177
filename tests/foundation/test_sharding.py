"""Data-parallel reading: each process reads its rows of every global batch, every sample once
per epoch, with augmentation draws that do not depend on the number of processes."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.data.batches import EpochBatches
from zoo.errors import ZooError
from zoo.training.run import Run, parse_coordinator, start_run
from zoo.translation.batcher import TranslationBatches


class Draws(EpochBatches):
    """Each row: its item and one draw of its generator."""

    def __getitem__(self, index):
        return [(i, rng.random()) for i, rng in self.batch_items(index)]


def shards(count: int, epoch: int = 0, n: int = 22, batch: int = 4):
    loaders = []
    for p in range(count):
        loader = Draws(list(range(n)), batch_size=batch, shuffle=True, seed=5)
        loader.set_shard(p, count)
        loader.start_at(epoch)
        loaders.append(loader)
    return [[row for loader in loaders for row in loader[b]] for b in range(len(loaders[0]))]


@pytest.mark.parametrize("epoch", [0, 3])
def test_global_batches_do_not_depend_on_the_process_count(epoch):
    one, two, four = shards(1, epoch), shards(2, epoch), shards(4, epoch)
    assert one == two and one[:5] == four[:5]  # 22 items in batches of 4: the tail of 2 ...
    seen = [i for batch in two for i, _ in batch]
    assert sorted(seen) == list(range(22))  # ... splits over 2 processes,
    assert len(four[5]) == 4 and four[5][:2] == one[5]  # over 4 filled up with the first two
    assert {i for i, _ in four[5][2:]} == {i for i, _ in one[0][:2]}
    assert shards(2, epoch + 1) != two  # a new epoch: new order and draws


def test_a_batch_that_does_not_split_is_refused():
    loader = Draws(list(range(10)), batch_size=6)
    with pytest.raises(ValueError, match="cannot be split"):
        loader.set_shard(0, 4)
    loader.set_shard(1, 2)
    assert len(loader) == 2 and [i for i, _ in loader[1]] == [8, 9]


def test_translation_batches_shard_rows_of_each_global_batch():
    src = [[5 + i % 7, 3] for i in range(30)]
    tgt = [[2, 6 + i % 5, 3] for i in range(30)]
    whole = TranslationBatches(src, tgt, batch_size=8, seed=1)
    parts = [TranslationBatches(src, tgt, batch_size=8, seed=1) for _ in range(2)]
    whole.set_shard(0, 1, 2)
    for p, part in enumerate(parts):
        part.set_shard(p, 2)
    assert len(whole) == len(parts[0])
    for b in range(len(whole)):
        (s, _), y, _ = whole[b]
        joined = np.concatenate([part[b][0][0] for part in parts])
        np.testing.assert_array_equal(joined, s)
        assert y.shape[0] % 2 == 0


def test_run_defaults_and_mistakes():
    assert Run().replicas == 1 and Run().chief and Run(2, 3, 1).replicas == 6
    assert parse_coordinator("[::1]:80") == ("[::1]", 80)
    with pytest.raises(ZooError, match="HOST:PORT"):
        parse_coordinator("localhost")
    with pytest.raises(ZooError, match="needs --coordinator"):
        start_run(1, None, num_processes=2)
    with pytest.raises(ZooError, match="process-id"):
        start_run(1, "127.0.0.1:1", num_processes=2, process_id=2)
