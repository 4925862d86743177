"""Copy-paste augmentation: what is pasted, where, and how a recipe turns it on."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.errors import ZooError
from zoo.segmentation.data.copy_paste import CopyPaste, shifted
from zoo.segmentation.data.loader import SegmentationLoader
from zoo.segmentation.train import copy_paste_from

from .test_data_loader import make_dataset

POLE = 2


def pole_donor(h=12, w=16, column=5, value=200):
    """A grey image with one labelled pole column of colour ``value``; sky (0) elsewhere and
    one void pixel (11) that must never be pasted."""
    image = np.full((h, w, 3), 50, np.uint8)
    mask = np.zeros((h, w), np.int32)
    image[:, column] = value
    mask[:, column] = POLE
    mask[0, 0] = 11
    return image, mask


def target(h=12, w=16):
    return np.full((h, w, 3), 7, np.uint8), np.full((h, w), 5, np.int32)


def test_pastes_only_the_chosen_class_with_its_pixels():
    paste = CopyPaste(classes=(POLE,), prob=1.0, max_shift=0.0, flip_prob=0.0)
    image, mask = target()
    out_image, out_mask = paste(image, mask, [pole_donor()], np.random.default_rng(0))
    assert np.array_equal(np.nonzero(out_mask == POLE)[1], np.full(12, 5))
    assert (out_image[out_mask == POLE] == 200).all()
    untouched = out_mask != POLE
    assert (out_mask[untouched] == 5).all() and (out_image[untouched] == 7).all()
    assert (mask == 5).all() and (image == 7).all()  # the inputs are not modified


def test_shift_and_flip_move_the_pasted_column():
    rng = np.random.default_rng(1)
    columns = set()
    for _ in range(40):
        paste = CopyPaste(classes=(POLE,), prob=1.0, max_shift=0.25, flip_prob=0.5)
        _, out_mask = paste(*target(), [pole_donor()], rng)
        cols = np.unique(np.nonzero(out_mask == POLE)[1])
        assert len(cols) <= 1  # the column moves whole (or slides off the edge)
        columns.update(cols.tolist())
    # shifts of up to 4 columns either side of column 5 and of its mirror, column 10
    assert columns <= set(range(1, 15)) and len(columns) >= 6
    assert {5, 10} & columns


def test_probability_and_donors_without_the_class():
    image, mask = target()
    never = CopyPaste(classes=(POLE,), prob=0.0)
    assert never(image, mask, [pole_donor()], np.random.default_rng(0))[1] is mask
    no_pole = (np.zeros((12, 16, 3), np.uint8), np.zeros((12, 16), np.int32))
    always = CopyPaste(classes=(POLE,), prob=1.0)
    assert always(image, mask, [no_pole], np.random.default_rng(0))[1] is mask
    rng = np.random.default_rng(0)
    hits = sum(
        (CopyPaste(classes=(POLE,), prob=0.3)(image, mask, [pole_donor()], rng)[1] == POLE).any()
        for _ in range(400)
    )
    assert 80 < hits < 160


def test_donor_of_another_size_is_resized():
    paste = CopyPaste(classes=(POLE,), prob=1.0, max_shift=0.0, flip_prob=0.0)
    _, out_mask = paste(*target(12, 16), [pole_donor(24, 32, column=10)], np.random.default_rng(0))
    assert out_mask.shape == (12, 16)
    assert np.array_equal(np.unique(np.nonzero(out_mask == POLE)[1]), [5])


def test_shifted():
    a = np.arange(6).reshape(1, 6)
    assert shifted(a, 2, -1).tolist() == [[-1, -1, 0, 1, 2, 3]]
    assert shifted(a, -2, -1).tolist() == [[2, 3, 4, 5, -1, -1]]
    assert shifted(a, 9, -1).tolist() == [[-1] * 6]


def test_loader_pastes_from_its_own_dataset(tmp_path):
    dataset = make_dataset(tmp_path, n=4)
    plain = SegmentationLoader(dataset, batch_size=4, seed=3)
    pasted = SegmentationLoader(
        dataset, batch_size=4, seed=3, copy_paste=CopyPaste(classes=(POLE,), prob=1.0)
    )
    y0, y1 = plain[0][1], pasted[0][1]
    changed = y0 != y1
    assert changed.any()
    assert (y1[changed] == POLE).all()  # only pole pixels were written
    assert ((y1 == POLE).sum(axis=(1, 2)) >= (y0 == POLE).sum(axis=(1, 2))).all()
    assert np.array_equal(pasted[0][1], y1)  # reproducible per epoch and batch


def test_recipe_table_names_classes_and_fails_in_one_line():
    names = ["Sky", "Building", "Pole", "Road"]
    paste = copy_paste_from({"classes": ["pole", "Road"], "prob": 0.25}, names)
    assert paste.classes == (2, 3) and paste.prob == 0.25
    assert copy_paste_from(None, names) is None
    assert copy_paste_from({"classes": "pole"}, names).classes == (2,)
    with pytest.raises(ZooError, match=r"no class 'lamp' \(classes: Sky, Building, Pole, Road\)"):
        copy_paste_from({"classes": ["lamp"]}, names)
    with pytest.raises(ZooError, match="unknown key probability"):
        copy_paste_from({"classes": ["pole"], "probability": 0.5}, names)
    with pytest.raises(ZooError, match="needs classes"):
        copy_paste_from({"prob": 0.5}, names)
