"""The general-domain recipes (Tatoeba + WMT news): keys, directions and the data they read."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoo.training.recipe import load_recipe
from zoo.translation.recipe import flatten_recipe
from zoo.translation.train import load_pairs, resolve_config

RECIPES = Path(__file__).parents[2] / "apps" / "translation" / "recipes"
PAIRS = [("en", "fr"), ("fr", "en"), ("en", "de"), ("de", "en")]


def _config(src: str, tgt: str) -> dict:
    recipe = load_recipe(RECIPES / f"rnnsearch_{src}_{tgt}.toml")
    assert recipe["name"] == f"rnnsearch-{src}-{tgt}"
    return resolve_config(flatten_recipe(recipe))


@pytest.mark.parametrize(("src", "tgt"), PAIRS)
def test_recipe_keys_and_direction(src, tgt):
    cfg = _config(src, tgt)
    assert (cfg["src_lang"], cfg["tgt_lang"]) == (src, tgt)
    assert cfg["val_split"] == "dev" and cfg["select"] == "val_bleu"
    news = [split for entry in cfg["extra_train"] for split in entry["splits"]]
    assert "newstest2013" not in news  # the news dev set is never trained on


@pytest.mark.data
@pytest.mark.parametrize(
    ("src", "tgt", "first"), [("en", "fr", ("Go.", "Va !")), ("de", "en", ("Hallo!", "Hi."))]
)
def test_recipe_reads_tatoeba_and_news_in_its_direction(zoo_data, src, tgt, first):
    cfg = _config(src, tgt)
    folder = zoo_data / cfg["data_dir"]
    if not folder.is_dir():
        pytest.skip(f"{folder}: not present")
    train_src, train_tgt = load_pairs(cfg, "train")
    dev_src, dev_tgt = load_pairs(cfg, "val")
    assert (train_src[0], train_tgt[0]) == first  # Tatoeba's first pair, in this direction
    assert len(train_src) == len(train_tgt)
    assert len(train_src) > 150_000 and len(dev_src) > 2_000
    assert max(len(s.split()) for s in train_src) <= cfg["max_words"]
    # dev holds every translation of about 1 in 77 English sentences: no English one in train
    english_dev, english_train = (dev_src, train_src) if src == "en" else (dev_tgt, train_tgt)
    assert not set(english_dev) & set(english_train)
