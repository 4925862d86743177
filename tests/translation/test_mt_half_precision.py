"""A translation model stored in half precision: float16 file, float32 model, tokenizer kept."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from keras import ops

from zoo.api import load_model_file
from zoo.half_precision import is_half_precision_file, save_half_precision, stored_dtypes
from zoo.translation.rnnsearch import RNNSearch

pytestmark = pytest.mark.model

SRC = np.array([[5, 6, 7, 3, 0], [8, 9, 3, 0, 0]], np.int32)
TGT_IN = np.array([[2, 10, 11, 12], [2, 13, 0, 0]], np.int32)
TEXTS = ["The red cat sees a bird.", "A small dog eats the green fish.", ""]


def _member_size(path, name: str) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo(name).file_size


def test_half_precision_round_trip_translates(toy_tokenizer, tmp_path):
    model = RNNSearch(
        tokenizer=toy_tokenizer, embedding_dim=8, units=16, attention_units=12, maxout_units=8
    )
    full, half = tmp_path / "full.keras", tmp_path / "half.keras"
    model.save(full)
    save_half_precision(model, half)
    # The tiny model's file is mostly its tokenizer and h5 bookkeeping; the weights halve.
    assert half.stat().st_size < full.stat().st_size
    assert _member_size(half, "model.weights.h5") < 0.75 * _member_size(full, "model.weights.h5")
    asset = "assets/layers/subword_tokenizer/sentencepiece.model"
    with zipfile.ZipFile(full) as a, zipfile.ZipFile(half) as b:
        assert a.namelist() == b.namelist() and asset in a.namelist()
        assert a.read(asset) == b.read(asset) and a.read("config.json") == b.read("config.json")
    assert is_half_precision_file(half)
    assert set(stored_dtypes(half).values()) == {"float16"}

    loaded = load_model_file(half)
    assert isinstance(loaded, RNNSearch)
    assert loaded.get_config() == model.get_config()
    assert loaded.tokenizer.proto == model.tokenizer.proto
    assert {v.dtype for v in loaded.weights} == {"float32"}
    expected = ops.convert_to_numpy(model((SRC, TGT_IN)))
    got = ops.convert_to_numpy(loaded((SRC, TGT_IN)))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-2, atol=1e-2 * np.abs(expected).max())

    # The loaded weights are exactly the originals rounded to float16: rounded in place, the
    # original model gives the same logits and the same translations.
    for var, original in zip(loaded.weights, model.weights, strict=True):
        assert var.path == original.path
        rounded = np.asarray(original.numpy()).astype(np.float16).astype(np.float32)
        np.testing.assert_array_equal(var.numpy(), rounded, err_msg=var.path)
        original.assign(rounded)
    np.testing.assert_allclose(
        ops.convert_to_numpy(loaded((SRC, TGT_IN))),
        ops.convert_to_numpy(model((SRC, TGT_IN))),
        rtol=1e-6,
        atol=1e-6,
    )
    translations = loaded.translate(TEXTS, beam=2)
    assert translations == model.translate(TEXTS, beam=2)
    assert len(translations) == 3 and translations[2] == ""
    assert all(isinstance(t, str) and t for t in translations[:2])
