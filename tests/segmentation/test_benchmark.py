"""apps/segmentation/benchmark.py at tiny sizes: it runs, reports and writes JSON (no timings)."""

from __future__ import annotations

import json

import pytest
from foundation.helpers import load_script


@pytest.fixture(scope="module")
def bench():
    return load_script("apps/segmentation/benchmark.py", "segmentation_benchmark")


def test_fallback_model_in_process(bench, tmp_path, monkeypatch, capsys, zoo_data):
    monkeypatch.setenv("ZOO_WEIGHTS", str(tmp_path))  # an empty manifest: no fcn8s-camvid
    out = tmp_path / "bench.json"
    args = ["--height", "40", "--width", "56", "--batch-sizes", "1", "2"]
    results = bench.main([*args, "--warmup", "1", "--repeats", "2", "--cli-images", "0",
                              "--json", str(out)])  # fmt: skip
    printed = capsys.readouterr()
    assert "not in weights/manifest.json" in printed.err and results["note"]
    assert "| `model.segment`, median of 2 | 2 | 2 |" in printed.out
    saved = json.loads(out.read_text())
    assert saved["height"] == 40 and saved["width"] == 56 and saved["cli"] == []
    assert [r["batch_size"] for r in saved["in_process"]] == [1, 2]
    for r in saved["in_process"]:
        assert r["median_s"] > 0 and r["images_per_s"] == pytest.approx(r["images"] / r["median_s"])
    assert saved["machine"]["cpu_count"] >= 1 and saved["machine"]["backend"]
    # the baseline recipe's FCN is timed on the same images, and each batch size gets a ratio
    assert [r["batch_size"] for r in saved["reference"]] == [1, 2]
    assert "fcn8s_camvid_litenet.toml" in saved["reference_model"]
    assert "against the reference: batch 1: " in printed.out


@pytest.mark.slow
def test_zoo_segment_process_on_a_keras_file(bench, tmp_path, capsys):
    from zoo.api import create_model

    model = create_model(
        "fcn8s",
        num_classes=3,
        backbone="litenet",
        backbone_config={"widths": [8, 8, 16, 16, 16], "depths": [1, 1, 1, 1, 1]},
    )
    path = tmp_path / "tiny.keras"
    model.save(path)
    args = ["--model", str(path), "--height", "40", "--width", "56", "--batch-sizes", "2"]
    results = bench.main([*args, "--warmup", "0", "--repeats", "1", "--cli-images", "3",
                          "--reference", "none"])  # fmt: skip
    assert results["note"] is None and results["model"] == str(path)
    (cli,) = results["cli"]
    assert cli["batch_size"] == 2 and cli["images"] == 3 and cli["wall_s"] > 0
    assert "| `zoo segment` process, wall incl. start-up | 2 | 3 |" in capsys.readouterr().out
