"""The WMT'14 GPU recipe's data path, end to end on tensorflow-datasets mock data."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoo.training.recipe import load_recipe
from zoo.translation.recipe import flatten_recipe
from zoo.translation.train import load_pairs, resolve_config

RECIPE = (
    Path(__file__).resolve().parents[2] / "apps/translation/recipes/rnnsearch50_wmt14_en_fr.toml"
)


def test_recipe_resolves_to_known_keys():
    cfg = resolve_config(flatten_recipe(load_recipe(RECIPE)))
    assert cfg["tfds_name"] == "wmt14_translate/fr-en" and cfg["max_words"] == 50
    assert (cfg["embedding_dim"], cfg["units"], cfg["maxout_units"]) == (620, 1000, 500)
    assert cfg["mixed_precision"] is True and cfg["jit_compile"] is True


@pytest.mark.slow
def test_recipe_trains_one_step_on_mock_wmt14(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    import keras

    from zoo.translation.train import train_translation

    overrides = [
        "model.vocab_size=400",
        "model.embedding_dim=8",
        "model.units=8",
        "model.maxout_units=4",
        "train.max_tokens=200",
        "train.epochs=1",
        "train.warmup_steps=1",
        "train.verbose=0",
        "train.mixed_precision=false",
        "train.jit_compile=false",
        "data.val_limit=4",
        "data.train_limit=24",
        f"train.out_dir='{tmp_path / 'run'}'",
        "data.tfds_data_dir=''",
    ]
    cfg = flatten_recipe(load_recipe(RECIPE, overrides))
    cfg["tfds_data_dir"] = None
    with tfds.testing.mock_data(num_examples=24):
        src, tgt = load_pairs(resolve_config(cfg), "train")
        assert src and len(src) == len(tgt)
        assert all(len(s.split()) <= 50 for s in src)
        history = train_translation(cfg)
    assert len(history.history["loss"]) == 1
    assert (tmp_path / "run" / "best.keras").is_file()
    keras.mixed_precision.set_global_policy("float32")
