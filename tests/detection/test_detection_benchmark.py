"""apps/detection/benchmark.py at tiny sizes: it runs, reports and writes JSON (no timings)."""

from __future__ import annotations

import json

import pytest
from foundation.helpers import load_script


@pytest.fixture(scope="module")
def bench():
    return load_script("apps/detection/benchmark.py", "detection_benchmark")


@pytest.fixture
def darknet_dir(zoo_data):
    folder = zoo_data / "darknet"
    if not (folder / "yolo-fastest-1.1.weights").is_file():
        pytest.skip(f"{folder}/yolo-fastest-1.1.weights not found")
    if not (zoo_data / "coco128" / "images").is_dir():
        pytest.skip(f"{zoo_data}/coco128 not found")
    return folder


def test_missing_darknet_files_exit_with_one_line(bench, tmp_path):
    with pytest.raises(SystemExit, match=r"yolo-fastest-1\.1\.cfg: not found"):
        bench.main(["--darknet-dir", str(tmp_path), "--images", "1"])
    with pytest.raises(SystemExit, match="must be >= 1"):
        bench.main(["--repeats", "0"])


def test_batches(bench):
    assert bench.batches(list(range(5)), 2) == [[0, 1], [2, 3], [4]]


@pytest.mark.data
@pytest.mark.slow
def test_zoo_and_opencv_on_two_images(bench, darknet_dir, tmp_path, capsys):
    out = tmp_path / "bench.json"
    args = ["--images", "2", "--batch-sizes", "1", "2", "--warmup", "0", "--repeats", "1"]
    args += ["--runtimes", "litert"]
    results = bench.main([*args, "--json", str(out)])
    printed = capsys.readouterr().out
    assert "| zoo | end_to_end | 2 | 2 |" in printed and "| opencv | forward | 1 | 2 |" in printed
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(results))
    assert saved["darknet"] == "yolo-fastest-1.1" and saved["size"] == 320
    assert saved["images"] == 2 and set(saved["measures"]) == {"forward", "end_to_end"}
    rows = {(r["pipeline"], r["measure"], r["batch_size"]): r for r in saved["rows"]}
    assert set(rows) == {
        (p, m, b) for p in ("zoo", "opencv") for m in ("forward", "end_to_end") for b in (1, 2)
    } | {("zoo-litert", "end_to_end", b) for b in (1, 2)}
    for r in saved["rows"]:
        assert r["images"] == 2 and r["repeats"] == 1 and r["median_s"] > 0
        assert r["images_per_s"] == pytest.approx(2 / r["median_s"])
    for b in (1, 2):  # both pipelines do the same job: the same detections
        zoo_dets = rows[("zoo", "end_to_end", b)]["detections"]
        assert zoo_dets >= 1 and zoo_dets == rows[("opencv", "end_to_end", b)]["detections"]
        assert rows[("zoo-litert", "end_to_end", b)]["detections"] == zoo_dets
    m = saved["machine"]
    assert m["cpu_count"] >= 1 and m["opencv"] and m["opencv_threads"] >= 1 and m["keras"]
