"""apps/translation/train_speed.py at tiny sizes: one row per backend x oneDNN x policy x
batching, each in its own process with the setting it names (no timings checked)."""

from __future__ import annotations

import json

import pytest
from foundation.helpers import load_script

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def train_speed():
    return load_script("apps/translation/train_speed.py", "translation_train_speed")


def test_rows_for_each_onednn_setting_and_policy(
    train_speed, toy_pairs, toy_tokenizer, tmp_path, capsys
):
    data = tmp_path / "eng-fra"
    data.mkdir()
    src, tgt = toy_pairs
    for split in ("train", "dev"):
        (data / f"{split}.tsv").write_text(
            "".join(f"{s}\t{t}\n" for s, t in zip(src, tgt, strict=True))
        )
    recipe = tmp_path / "tiny.toml"
    recipe.write_text(
        f'task = "translation"\nname = "tiny"\n[data]\nroot = "{data}"\nsrc_lang = "en"\n'
        'tgt_lang = "fr"\ntrain_split = "train"\nval_split = "dev"\n'
        "[model]\nembedding_dim = 8\nunits = 16\nattention_units = 8\n"
        "maxout_units = 8\n[train]\nmax_tokens = 120\nmax_length = 32\n"
    )
    toy_tokenizer.save_model(tmp_path / "spm.model")
    out = tmp_path / "speed.json"
    train_speed.main([
        str(recipe), "--spm", str(tmp_path / "spm.model"),
        "--backends", "tensorflow", "--onednn", "off", "on",
        "--policies", "float32", "mixed_bfloat16", "--steps", "3", "--skip", "1",
        "--sample", "200", "--batch-sizes", "--json", str(out),
    ])  # fmt: skip
    rows = json.loads(out.read_text())["rows"]
    settings = [(r["onednn"], r["policy"]) for r in rows]
    assert settings == [
        ("0", "float32"), ("0", "mixed_bfloat16"), ("1", "float32"), ("1", "mixed_bfloat16"),
    ]  # fmt: skip
    assert all(r["tokens_per_s"] > 0 and r["max_tokens"] == 120 for r in rows)
    assert "| tensorflow | on | mixed_bfloat16 | 120 tokens |" in capsys.readouterr().out
