"""TranslationBatches: bucketing, own-length padding, token budget, weights, shuffling."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.errors import ZooError
from zoo.translation.batcher import TranslationBatches, drop_too_long, encode_pairs, pad_batch


def _pairs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    src = [[*rng.integers(4, 50, rng.integers(1, 40)).tolist(), 3] for _ in range(n)]
    tgt = [[2, *rng.integers(4, 50, rng.integers(1, 40)).tolist(), 3] for _ in range(n)]
    return src, tgt


def _all_items(data):
    return [data[i] for i in range(len(data))]


def test_batch_layout_shift_and_weights():
    src, tgt = [[5, 6, 3], [7, 3]], [[2, 8, 9, 3], [2, 9, 3]]
    data = TranslationBatches(src, tgt, batch_size=2, shuffle=False, length_multiple=1)
    (s, t_in), t_out, w = data[0]
    order = [0, 1] if s[0, 0] == 5 else [1, 0]
    s, t_in, t_out, w = s[order], t_in[order], t_out[order], w[order]
    np.testing.assert_array_equal(s, [[5, 6, 3], [7, 3, 0]])
    np.testing.assert_array_equal(t_in, [[2, 8, 9], [2, 9, 3]])
    np.testing.assert_array_equal(t_out, [[8, 9, 3], [9, 3, 0]])
    np.testing.assert_array_equal(w, [[1, 1, 1], [1, 1, 0]])
    assert s.dtype == np.int32 and w.dtype == np.float32
    assert data.num_tokens == 5


def test_every_pair_once_and_padding_only_to_own_length():
    src, tgt = _pairs()
    data = TranslationBatches(src, tgt, batch_size=16, chunk_batches=4, length_multiple=8)
    seen = []
    padded_cells = 0
    for index, ((s, t_in), t_out, w) in enumerate(_all_items(data)):
        assert s.shape[1] % 8 == 0 and t_in.shape[1] % 8 == 0
        slack = 16 if index == 1 else 8  # batch 1 may get one extra block (see below)
        assert s.shape[1] - slack < (s != 0).sum(1).max() <= s.shape[1]
        assert t_in.shape[1] - slack < w.sum(1).max() <= t_in.shape[1]
        np.testing.assert_array_equal(w, (t_out != 0).astype(np.float32))
        padded_cells += (s == 0).sum() + (t_in == 0).sum()
        seen += [tuple(row[row != 0]) for row in s]
    assert sorted(seen) == sorted(tuple(x) for x in src)
    # Bucketing pads much less than one random batching would.
    unbucketed = TranslationBatches(src, tgt, batch_size=16, chunk_batches=1)
    unsorted_pad = sum((b[0][0] == 0).sum() + (b[0][1] == 0).sum() for b in _all_items(unbucketed))
    assert padded_cells < 0.8 * unsorted_pad


def test_first_two_batches_differ_in_both_lengths():
    """Keras' TF adapter infers fixed lengths from the first two batches otherwise."""
    src = [[5] * 10 + [3]] * 64
    tgt = [[2] + [6] * 10 + [3]] * 64
    data = TranslationBatches(src, tgt, batch_size=16, length_multiple=8)
    for _ in range(2):
        (s0, t0), _, _ = data[0]
        (s1, t1), _, w1 = data[1]
        assert s0.shape[1] != s1.shape[1] and t0.shape[1] != t1.shape[1]
        assert w1.sum() == 16 * 11 and np.all(s1[:, 11:] == 0)
        data.on_epoch_end()


def test_token_budget():
    src, tgt = _pairs()
    data = TranslationBatches(src, tgt, max_tokens=256, length_multiple=8)
    sizes = []
    for (s, t_in), _, _ in _all_items(data):
        assert s.shape[0] * max(s.shape[1], t_in.shape[1]) <= 256 or s.shape[0] == 1
        sizes.append(s.shape[0])
    assert sum(sizes) == 200 and max(sizes) > min(sizes)
    n = len(data)
    data.on_epoch_end()
    assert len(data) == n  # the number of batches stays fixed across epochs


def test_shuffling_changes_batches_each_epoch_but_keeps_count():
    src, tgt = _pairs()
    data = TranslationBatches(src, tgt, batch_size=16, seed=1)
    first = [b[0][0].tobytes() for b in _all_items(data)]
    n = len(data)
    data.on_epoch_end()
    assert len(data) == n
    assert [b[0][0].tobytes() for b in _all_items(data)] != first
    fixed = TranslationBatches(src, tgt, batch_size=16, shuffle=False)
    before = [b[0][0].tobytes() for b in _all_items(fixed)]
    fixed.on_epoch_end()
    assert [b[0][0].tobytes() for b in _all_items(fixed)] == before


def test_a_resumed_run_draws_a_new_order_not_the_first_epochs():
    src, tgt = _pairs()
    for budget in ({"batch_size": 16}, {"max_tokens": 256}):
        fresh = TranslationBatches(src, tgt, seed=1, **budget)
        first = [b[0][0].tobytes() for b in _all_items(fresh)]
        resumed = TranslationBatches(src, tgt, seed=1, **budget)
        resumed.start_at(9)
        order = [b[0][0].tobytes() for b in _all_items(resumed)]
        assert order != first and len(order) == len(first)
        again = TranslationBatches(src, tgt, seed=1, **budget)
        again.start_at(9)
        assert [b[0][0].tobytes() for b in _all_items(again)] == order  # seeded
        fresh.start_at(0)  # a fresh run keeps the seed's first order
        assert [b[0][0].tobytes() for b in _all_items(fresh)] == first


def test_max_length_keeps_eos():
    data = TranslationBatches(
        [[5] * 30 + [3]],
        [[2] + [6] * 30 + [3]],
        batch_size=1,
        max_length=10,
        length_multiple=1,
        shuffle=False,
    )
    (s, _), t_out, _ = data[0]
    assert s.shape == (1, 10) and s[0, -1] == 3
    assert t_out.shape == (1, 9) and t_out[0, -1] == 3


def test_errors():
    with pytest.raises(ZooError):
        TranslationBatches([[3]], [[2, 3], [2, 3]])
    with pytest.raises(ZooError):
        TranslationBatches([], [])
    with pytest.raises(ZooError):
        TranslationBatches([[3]], [[3]])
    with pytest.raises(ZooError):
        TranslationBatches([[3]], [[2, 3]], batch_size=0)


def test_pad_batch_and_encode_pairs(toy_tokenizer):
    np.testing.assert_array_equal(pad_batch([[1, 2, 3], [4]], 4), [[1, 2, 3, 0], [4, 0, 0, 0]])
    src, tgt = encode_pairs(toy_tokenizer, ["The cat."], ["Le chat."])
    assert src[0][-1] == 3 and src[0][0] != 2
    assert tgt[0][0] == 2 and tgt[0][-1] == 3


def test_pairs_too_long_for_the_window_are_dropped_not_cut(toy_tokenizer):
    short, long = "a dog runs .", " ".join(["a man rides a red bike"] * 6)
    room = toy_tokenizer.count(short) + 2
    assert toy_tokenizer.count(long) + 2 > room
    pairs = ([short, long, short, short], [short, short, long, short + " ."])
    sources, targets, dropped = drop_too_long(toy_tokenizer, *pairs, max_length=room)
    # the source needs count + eos, the target count + bos + eos: the last target is one too many
    assert (sources, targets, dropped) == ([short], [short], 3)
    assert drop_too_long(toy_tokenizer, *pairs, max_length=10_000)[2] == 0
