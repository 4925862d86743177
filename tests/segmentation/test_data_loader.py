"""SegmentationLoader batches: shapes, dtypes, padding, shuffling, sample weights."""

from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest

from zoo.errors import DataError
from zoo.segmentation.data import SegmentationDataset, read_camvid
from zoo.segmentation.data.loader import SegmentationLoader


def make_dataset(root: Path, n: int = 5, shape=(20, 30), ignore: int = 11) -> SegmentationDataset:
    (root / "train").mkdir(parents=True)
    (root / "trainannot").mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        image = rng.integers(0, 255, (*shape, 3), dtype=np.uint8)
        mask = rng.integers(0, 12, shape).astype(np.uint8)
        mask[0, 0] = ignore
        cv2.imwrite(str(root / "train" / f"{i}.png"), image)
        cv2.imwrite(str(root / "trainannot" / f"{i}.png"), mask)
    return read_camvid(root, "train")


def test_batches_shapes_and_dtypes(tmp_path):
    loader = SegmentationLoader(make_dataset(tmp_path), batch_size=2)
    assert len(loader) == 3
    x, y = loader[0]
    assert x.shape == (2, 20, 30, 3) and x.dtype == np.float32
    assert y.shape == (2, 20, 30) and y.dtype == np.int32
    assert x.min() >= 0 and x.max() <= 255 and x.max() > 1
    assert loader[2][0].shape[0] == 1
    with pytest.raises(IndexError):
        loader[3]
    assert len(SegmentationLoader(loader.dataset, batch_size=2, drop_remainder=True)) == 2


def test_images_are_rgb(tmp_path):
    ds = make_dataset(tmp_path, n=1)
    x, _ = SegmentationLoader(ds, batch_size=1)[0]
    bgr = cv2.imread(str(ds.image_paths[0]))
    np.testing.assert_array_equal(x[0], bgr[..., ::-1].astype(np.float32))


def test_crop_augment_and_pad_to_multiple(tmp_path):
    ds = make_dataset(tmp_path)
    x, y = SegmentationLoader(ds, batch_size=4, crop_size=(16, 16), augment=True)[0]
    assert x.shape == (4, 16, 16, 3) and y.shape == (4, 16, 16)
    x, y = SegmentationLoader(ds, batch_size=2, pad_to_multiple=16)[0]
    assert x.shape == (2, 32, 32, 3)
    assert (y[:, 20:] == 11).all() and (y[:, :, 30:] == 11).all()


def test_shuffle_per_epoch_and_reproducible(tmp_path):
    ds = make_dataset(tmp_path, n=8)
    a = SegmentationLoader(ds, batch_size=8, shuffle=True, seed=3)
    b = SegmentationLoader(ds, batch_size=8, shuffle=True, seed=3)
    first = a._order.copy()
    np.testing.assert_array_equal(first, b._order)
    np.testing.assert_array_equal(a[0][1], b[0][1])
    a.on_epoch_end()
    assert sorted(a._order) == list(range(8)) and not np.array_equal(a._order, first)


def test_sample_weight_zero_on_void(tmp_path):
    ds = make_dataset(tmp_path)
    weights = np.arange(1, 12, dtype=np.float32)
    _, y, w = SegmentationLoader(ds, batch_size=2, class_weights=weights)[0]
    assert w.shape == y.shape and w.dtype == np.float32
    _, raw = SegmentationLoader(ds, batch_size=2)[0]
    void = raw == 11
    assert void.any() and (w[void] == 0).all() and (y[void] == 0).all()
    np.testing.assert_array_equal(w[~void], weights[raw[~void]])
    _, _, w_mf = SegmentationLoader(ds, batch_size=2, class_weights="median_frequency")[0]
    assert (w_mf[void] == 0).all() and (w_mf[~void] > 0).all()
    _, _, w_sqrt = SegmentationLoader(ds, batch_size=2, class_weights="sqrt_median_frequency")[0]
    np.testing.assert_allclose(w_sqrt, np.sqrt(w_mf), rtol=1e-6)
    with pytest.raises(ValueError, match="sqrt_median_frequency"):
        SegmentationLoader(ds, class_weights="inverse")
    with pytest.raises(ValueError, match="shape"):
        SegmentationLoader(ds, class_weights=[1.0, 2.0])


def test_cache_returns_same_arrays(tmp_path):
    loader = SegmentationLoader(make_dataset(tmp_path), batch_size=2, cache=True)
    first = loader.load(0)
    assert loader.load(0)[0] is first[0]


def test_pickles_for_spawned_workers(tmp_path):
    loader = SegmentationLoader(make_dataset(tmp_path), batch_size=2, cache=True)
    loader.load(0)
    clone = pickle.loads(pickle.dumps(loader))
    assert clone._cache == {}
    np.testing.assert_array_equal(clone[0][1], loader[0][1])


def test_size_mismatch_is_a_data_error(tmp_path):
    ds = make_dataset(tmp_path, n=1)
    cv2.imwrite(str(ds.mask_paths[0]), np.zeros((5, 5), np.uint8))
    with pytest.raises(DataError, match=ds.mask_paths[0].name):
        SegmentationLoader(ds, batch_size=1)[0]


@pytest.mark.data
def test_real_camvid_batch(zoo_data):
    root = zoo_data / "camvid"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    ds = read_camvid(root, "val").subset(range(4))
    x, y = SegmentationLoader(ds, batch_size=4, crop_size=(352, 480), augment=True)[0]
    assert x.shape == (4, 352, 480, 3) and y.shape == (4, 352, 480)
    assert y.max() <= 11
    x, y = SegmentationLoader(ds, batch_size=2, pad_to_multiple=32)[0]
    assert x.shape == (2, 384, 480, 3)
