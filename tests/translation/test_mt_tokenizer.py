"""SubwordTokenizer: training, encode/decode, robustness, saving inside a .keras model."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.errors import DataError, ZooError
from zoo.translation.tokenizer import (
    BOS_ID,
    EOS_ID,
    PAD_ID,
    SubwordTokenizer,
    train_sentencepiece,
)

ODD_INPUTS = [
    "",
    "   ",
    None,
    b"bytes \xff\xfe",
    "emoji 😀🚀 and ZWJ 👩\u200d💻",
    "zero\u200bwidth\u200cjoiner\ufeff",
    "日本語 العربية Русский",
    "lone surrogate \ud800 here",
    "nul\x00char\ttab\nnewline\r\n",
    "combining e\u0301 and \U0001f3f3\ufe0f\u200d\U0001f308",
    12345,
]


def test_round_trip_is_cased_and_detokenised(toy_tokenizer, toy_pairs):
    src, tgt = toy_pairs
    for text in src[:20] + tgt[:20]:
        assert toy_tokenizer.decode(toy_tokenizer.encode(text)) == text


def test_special_ids(toy_tokenizer):
    ids = toy_tokenizer.encode("The cat.", add_bos=True, add_eos=True)
    assert ids[0] == BOS_ID and ids[-1] == EOS_ID and PAD_ID not in ids
    assert toy_tokenizer.encode("The cat.", add_eos=False)[-1] != EOS_ID
    assert toy_tokenizer.id_to_piece([PAD_ID, BOS_ID, EOS_ID]) == ["<pad>", "<s>", "</s>"]


def test_decode_stops_at_eos_and_skips_specials(toy_tokenizer):
    ids = toy_tokenizer.encode("The cat.", add_eos=False)
    noisy = [BOS_ID, *ids, PAD_ID, EOS_ID, *ids]
    assert toy_tokenizer.decode(noisy) == "The cat."
    batch = np.zeros((2, len(ids) + 2), np.int64)
    batch[0, : len(ids) + 1] = [*ids, EOS_ID]
    batch[1, 0] = EOS_ID
    assert toy_tokenizer.decode(batch) == [
        "The cat.",
        "",
    ]
    assert toy_tokenizer.decode([10**6, -5]) == ""


def test_any_input_gives_one_output_and_never_crashes(toy_tokenizer):
    encoded = toy_tokenizer.encode(ODD_INPUTS)
    assert len(encoded) == len(ODD_INPUTS)
    assert all(ids[-1] == EOS_ID and 0 < len(ids) <= 64 for ids in encoded)
    decoded = toy_tokenizer.decode(encoded)
    assert len(decoded) == len(ODD_INPUTS) and all(isinstance(t, str) for t in decoded)
    assert decoded[0] == "" and decoded[2] == ""
    assert "😀🚀" in decoded[4]  # byte fallback: unseen characters survive


def test_long_lines_are_cut_and_warned_once(toy_tokenizer, capsys):
    tok = SubwordTokenizer(toy_tokenizer.proto, max_chars=50, max_tokens=16)
    out = tok.encode(["the cat " * 100, "a dog " * 100], add_bos=True)
    assert all(len(ids) == 16 and ids[0] == BOS_ID and ids[-1] == EOS_ID for ids in out)
    tok.encode("the cat " * 100)
    err = capsys.readouterr().err
    assert err.count("max_chars") == 1 and err.count("max_tokens") == 1


def test_vocab_size_is_an_upper_bound(toy_pairs):
    proto = train_sentencepiece(toy_pairs[0], vocab_size=8000)
    tok = SubwordTokenizer(proto)
    assert 260 < tok.vocab_size < 8000


def test_bpe_and_errors(toy_pairs, tmp_path):
    tok = SubwordTokenizer.train(toy_pairs[1], vocab_size=300, model_type="bpe")
    assert tok.decode(tok.encode("Le chat.")) == "Le chat."
    with pytest.raises(ZooError):
        SubwordTokenizer.train(toy_pairs[1], model_type="word")
    with pytest.raises(DataError):
        SubwordTokenizer.train(["", "  "])
    with pytest.raises(DataError, match="not found"):
        SubwordTokenizer.from_file(tmp_path / "missing.model")
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"not a model")
    with pytest.raises(DataError):
        SubwordTokenizer.from_file(bad)
    with pytest.raises(ZooError):
        SubwordTokenizer().encode("x")


def test_file_round_trip(toy_tokenizer, tmp_path):
    path = toy_tokenizer.save_model(tmp_path / "spm.model")
    again = SubwordTokenizer.from_file(path)
    assert again.encode("The red cat.") == toy_tokenizer.encode("The red cat.")


@keras.saving.register_keras_serializable(package="zoo_tests")
class _Holder(keras.Model):
    """A model carrying a tokenizer, as RNNSearch does."""

    def __init__(self, tokenizer=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(tokenizer, dict):
            tokenizer = keras.saving.deserialize_keras_object(tokenizer)
        self.tokenizer = tokenizer
        self.dense = keras.layers.Dense(2)
        self.dense.build((None, 3))
        self.built = True

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {
            **super().get_config(),
            "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
        }


def test_saved_inside_a_keras_model(toy_tokenizer, tmp_path):
    tok = SubwordTokenizer(toy_tokenizer.proto, max_chars=77, name="tok")
    path = tmp_path / "holder.keras"
    _Holder(tok).save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.tokenizer.proto == toy_tokenizer.proto
    assert loaded.tokenizer.max_chars == 77
    assert loaded.tokenizer.encode("The dog.") == toy_tokenizer.encode("The dog.")
