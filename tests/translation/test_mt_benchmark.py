"""apps/translation/benchmark.py at tiny sizes: it runs, reports and writes JSON (no timings).

A tiny en -> fr RNNSearch on the toy corpus and a ``test_2016_flickr`` folder written here:
no shared data needed.
"""

from __future__ import annotations

import json

import pytest
from foundation.helpers import load_script


@pytest.fixture(scope="module")
def bench():
    return load_script("apps/translation/benchmark.py", "translation_benchmark")


@pytest.fixture
def tiny_setup(make_tiny_en_fr, toy_pairs, tmp_path):
    """``(model path, data folder)``: a saved tiny en -> fr model and 8 test sentence pairs."""
    model = make_tiny_en_fr()
    path = tmp_path / "tiny-en-fr.keras"
    model.save(path)
    data = tmp_path / "data"
    data.mkdir()
    src, tgt = toy_pairs
    (data / "test_2016_flickr.en").write_text("".join(f"{s}\n" for s in src[:8]))
    (data / "test_2016_flickr.fr").write_text("".join(f"{t}\n" for t in tgt[:8]))
    return path, data


def test_default_model_missing_from_the_manifest(bench, tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_WEIGHTS", str(tmp_path))  # an empty manifest
    with pytest.raises(SystemExit, match=r"not in weights/manifest\.json yet; pass --model"):
        bench.main(["--limit", "5", "--no-cli"])
    with pytest.raises(SystemExit, match="must be >= 1"):
        bench.main(["--beams", "0"])


def test_in_process_on_five_sentences(bench, tiny_setup, tmp_path, capsys):
    path, data = tiny_setup
    out = tmp_path / "bench.json"
    args = ["--model", str(path), "--data", str(data), "--limit", "5", "--batch-size", "4"]
    results = bench.main([*args, "--warmup", "0", "--repeats", "1", "--no-cli", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "| `model.translate`, median of 1 | 5 | 4 | 5 |" in printed
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(results))
    assert saved["languages"] == ["en", "fr"] and saved["split"] == "test_2016_flickr"
    assert saved["sentences"] == 5 and saved["cli"] == []
    assert [r["beam"] for r in saved["in_process"]] == [1, 5]
    for r in saved["in_process"]:
        assert r["sentences"] == 5 and r["batch_size"] == 4 and r["median_s"] > 0
        assert r["target_tokens"] >= 5  # at least an eos per sentence
        assert r["sentences_per_s"] == pytest.approx(5 / r["median_s"])
        assert r["tokens_per_s"] == pytest.approx(r["target_tokens"] / r["median_s"])
        assert "bleu" in r
    assert saved["machine"]["cpu_count"] >= 1 and saved["machine"]["backend"]


@pytest.mark.slow
def test_zoo_translate_process(bench, tiny_setup, capsys):
    path, data = tiny_setup
    args = ["--model", str(path), "--data", str(data), "--limit", "5", "--beams", "1"]
    results = bench.main([*args, "--warmup", "0", "--repeats", "1", "--cli-beam", "5"])
    (cli,) = results["cli"]
    assert cli["beam"] == 5 and cli["sentences"] == 5 and cli["wall_s"] > 0
    assert cli["sentences_per_s"] == pytest.approx(5 / cli["wall_s"])
    row = "| `zoo translate` process, wall incl. start-up | 5 | 64 | 5 |"
    assert row in capsys.readouterr().out
