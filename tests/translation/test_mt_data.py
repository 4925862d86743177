"""Parallel-text readers: folders (plain and .gz), TSV, TFDS (mocked) and Multi30k."""

from __future__ import annotations

import gzip

import pytest

from zoo.errors import DataError
from zoo.translation.data import (
    load_tfds_translation,
    read_lines,
    read_parallel_folder,
    read_tsv_pairs,
)


def _write(path, lines, gz=False):
    data = "".join(line + "\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if gz else data)


def test_folder_plain_and_gz(tmp_path):
    _write(tmp_path / "train.en", ["A dog.", "", "Ünïcödé 😀"])
    _write(tmp_path / "train.fr.gz", ["Un chien.", "", "Unicode 😀"], gz=True)
    src, tgt = read_parallel_folder(tmp_path, "train", "en", "fr")
    assert src == ["A dog.", "", "Ünïcödé 😀"]
    assert tgt == ["Un chien.", "", "Unicode 😀"]
    assert read_parallel_folder(tmp_path, "train", "en", "fr", limit=1) == (
        ["A dog."],
        ["Un chien."],
    )


def test_folder_errors_name_the_file(tmp_path):
    _write(tmp_path / "val.en", ["a", "b"])
    _write(tmp_path / "val.de", ["a"])
    with pytest.raises(DataError, match=r"val\.de: 1 lines but val\.en has 2"):
        read_parallel_folder(tmp_path, "val", "en", "de")
    with pytest.raises(DataError, match=r"no val\.fr or val\.fr\.gz"):
        read_parallel_folder(tmp_path, "val", "en", "fr")
    with pytest.raises(DataError, match="data folder not found"):
        read_parallel_folder(tmp_path / "nope", "val", "en", "fr")
    (tmp_path / "bad.en.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match=r"bad\.en\.gz: unreadable"):
        read_lines(tmp_path / "bad.en.gz")


def test_tsv_pairs(tmp_path):
    path = tmp_path / "pairs.tsv"
    _write(path, ["A dog.\tUn chien.", "", "A cat.\tUn chat.\textra"])
    assert read_tsv_pairs(path) == (["A dog.", "A cat."], ["Un chien.", "Un chat."])
    assert read_tsv_pairs(path, src_column=1, tgt_column=0, limit=1) == (["Un chien."], ["A dog."])
    _write(path, ["ok\tok", "no tab here"])
    with pytest.raises(DataError, match=r"pairs\.tsv:2: 1 tab-separated fields, need 2"):
        read_tsv_pairs(path)


def test_tfds_wmt14_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=4):
        src, tgt = load_tfds_translation("train", "en", "fr", limit=3)
    assert len(src) == len(tgt) == 3
    assert all(isinstance(s, str) for s in src + tgt)


def test_tfds_unknown_dataset_is_a_data_error(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(DataError, match="no_such_dataset"):
        load_tfds_translation(name="no_such_dataset/x", data_dir=tmp_path)


@pytest.mark.data
def test_multi30k(zoo_data):
    src, tgt = read_parallel_folder(zoo_data / "multi30k", "val", "en", "fr")
    assert len(src) == len(tgt) > 1000
    assert src[0] and src[0][0].isupper()


def test_tatoeba_folder_reads_either_direction(tmp_path):
    from zoo.translation.data import read_pairs, tsv_languages

    folder = tmp_path / "eng-fra"
    folder.mkdir()
    _write(folder / "dev.tsv", ["Go.\tVa !", "I'm 17 😀\tJ'ai 17 ans 😀"])
    assert tsv_languages(folder) == ("en", "fr")
    assert read_pairs(folder, "dev", "en", "fr") == (
        ["Go.", "I'm 17 😀"],
        ["Va !", "J'ai 17 ans 😀"],
    )
    assert read_pairs(folder, "dev", "fr", "en") == (
        ["Va !", "J'ai 17 ans 😀"],
        ["Go.", "I'm 17 😀"],
    )
    with pytest.raises(DataError, match=r"dev\.tsv: holds en-fr, not en-de"):
        read_pairs(folder, "dev", "en", "de")
    # no {split}.tsv: a Multi30k-style folder, e.g. the WMT news sets
    _write(folder / "newstest2013.en", ["News."])
    _write(folder / "newstest2013.fr", ["Nouvelles."])
    assert read_pairs(folder, "newstest2013", "fr", "en") == (["Nouvelles."], ["News."])
    odd = tmp_path / "pairs"
    odd.mkdir()
    _write(odd / "dev.tsv", ["a\tb"])
    with pytest.raises(DataError, match="named by its two languages"):
        read_pairs(odd, "dev", "en", "fr")


@pytest.mark.data
def test_shared_tatoeba_and_news_sets(zoo_data):
    from zoo.translation.data import read_pairs

    root = zoo_data / "tatoeba" / "eng-deu"
    if not root.is_dir():
        pytest.skip(f"{root}: not present")
    src, tgt = read_pairs(root, "test", "de", "en")
    assert len(src) == len(tgt) == 10_000
    news_src, news_tgt = read_pairs(zoo_data / "wmt-news" / "eng-fra", "newstest2013", "en", "fr")
    assert len(news_src) == len(news_tgt) == 3000
