"""apps/deploy/benchmark.py at a tiny size: it runs each runtime, reports and names the CPU."""

from __future__ import annotations

import json

import pytest
from foundation.helpers import load_script


@pytest.mark.data
@pytest.mark.slow
def test_runtimes_against_keras_on_one_image(zoo_data, tmp_path, capsys):
    if not (zoo_data / "camvid" / "val").is_dir():
        pytest.skip("camvid not found")
    bench = load_script("apps/deploy/benchmark.py", "deploy_benchmark")
    out = tmp_path / "bench.json"
    args = ["--models", "fcn8s-camvid", "--runtimes", "keras", "litert", "--images", "1"]
    args += ["--batch-sizes", "1", "--warmup", "0", "--repeats", "1", "--json", str(out)]
    results = bench.main(args)
    printed = capsys.readouterr().out
    assert "| fcn8s-camvid | litert | 1 |" in printed and "AVX-512" in printed
    saved = json.loads(out.read_text())
    assert [(r["runtime"], r["batch_size"]) for r in saved["rows"]] == [("keras", 1), ("litert", 1)]
    assert all(r["images_per_s"] > 0 for r in results["rows"])
    assert saved["machine"]["cpu"] and isinstance(saved["machine"]["avx512"], bool)
