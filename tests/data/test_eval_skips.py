"""``zoo eval`` on real photos with broken samples among them: it names each, goes on, lists them
under ``skipped`` and exits 1; a partially written JPEG is decoded and scored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.data, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def run_zoo(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-m", "zoo", *args], capture_output=True, text=True, env=env, timeout=600
    )


def test_detection_eval_skips_and_goes_on(zoo_data, tmp_path):
    root = tmp_path / "wild"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    picked = []
    for name in ("raccoon", "kangaroo"):
        xmls = sorted((zoo_data / name / "annotations").glob("*.xml"))[:4]
        for xml in xmls:
            text = xml.read_text()
            image = next((zoo_data / name / "images").glob(f"{xml.stem}.*"))
            stem = f"{name}-{xml.stem}" if not xml.stem.startswith(name) else xml.stem
            shutil.copy(image, root / "images" / f"{stem}{image.suffix}")
            filename = text.split("<filename>")[1].split("</filename>")[0]
            text = text.replace(
                f"<filename>{filename}</filename>", f"<filename>{stem}.jpg</filename>"
            )
            (root / "annotations" / f"{stem}.xml").write_text(text)
            picked.append(stem)
    cut, html, empty, missing = picked[0], picked[1], picked[4], picked[5]
    data = (root / "images" / f"{cut}.jpg").read_bytes()
    (root / "images" / f"{cut}.jpg").write_bytes(data[: int(len(data) * 0.7)])
    (root / "images" / f"{html}.jpg").write_text("<!DOCTYPE html><html>Not found</html>")
    (root / "images" / f"{empty}.jpg").write_bytes(b"")
    (root / "images" / f"{missing}.jpg").unlink()

    result = run_zoo("eval", "yolo-wildlife", "--data", str(root), "--split", "all", "--json")
    assert result.returncode == 1, result.stderr
    scores = json.loads(result.stdout)
    assert scores["n_images"] == 5  # 8 less the three unusable; the cut JPEG is scored
    skipped = "\n".join(scores["skipped"])
    assert len(scores["skipped"]) == 3, skipped
    for stem in (html, empty, missing):
        assert stem in skipped and stem in result.stderr
    assert "HTML page" in skipped and "empty file" in skipped and "not found" in skipped
    assert f"{cut}.jpg: partially written" in result.stderr
    assert "scored 5, skipped 3" in result.stderr
    assert 0.0 <= scores["ap50"] <= 1.0
    assert "Traceback" not in result.stderr


def test_segmentation_eval_skips_and_goes_on(zoo_data, tmp_path):
    root = tmp_path / "camvid"
    (root / "val").mkdir(parents=True)
    (root / "valannot").mkdir()
    images = sorted((zoo_data / "camvid" / "val").glob("*.jpg"))[:4]
    for image in images:
        shutil.copy(image, root / "val" / image.name)
        shutil.copy(zoo_data / "camvid" / "valannot" / f"{image.stem}.png", root / "valannot")
    data = images[0].read_bytes()
    (root / "val" / images[0].name).write_bytes(data[: int(len(data) * 0.93)])
    (root / "val" / images[1].name).write_text("<html>gone</html>")
    result = run_zoo("eval", "fcn8s-camvid", "--data", str(root), "--split", "val", "--json")
    assert result.returncode == 1, result.stderr
    scores = json.loads(result.stdout)
    assert scores["n_images"] == 3
    assert len(scores["skipped"]) == 1 and images[1].name in scores["skipped"][0]
    assert f"{images[0].name}: partially written" in result.stderr
    assert "Traceback" not in result.stderr


def test_segment_decodes_a_cut_jpeg_and_names_the_rest(zoo_data, tmp_path):
    """zoo segment: a JPEG cut to 93% gets its mask; HTML, empty and folder 'images' are named."""
    photos = tmp_path / "photos"
    photos.mkdir()
    source = sorted((zoo_data / "camvid" / "val").glob("*.jpg"))[0]
    data = source.read_bytes()
    (photos / "cut.JPG").write_bytes(data[: int(len(data) * 0.93)])
    (photos / "page.jpg").write_text("<html><body>moved</body></html>")
    (photos / "empty.png").write_bytes(b"")
    (photos / "album.jpg").mkdir()
    out = tmp_path / "masks"
    result = run_zoo("segment", str(photos), "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert (out / "cut.png").is_file()
    import cv2

    assert cv2.imread(str(out / "cut.png"), cv2.IMREAD_UNCHANGED).shape == (360, 480)
    err = result.stderr
    assert "cut.JPG: partially written JPEG" in err
    assert "page.jpg: unreadable image: the file is an HTML page" in err
    assert "empty.png: unreadable image: empty file" in err
    assert "album.jpg: is a folder, not an image" in err
    assert "Traceback" not in err


def test_pixel_limit_flag_reaches_data_check(tmp_path):
    from PIL import Image

    root = tmp_path / "shapes"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    Image.new("RGB", (100, 80)).save(root / "images" / "a.png")
    Image.new("L", (100, 80)).save(root / "masks" / "a.png")
    (root / "classes.txt").write_text("background\n")
    args = ["data", "check", str(root), "--task", "segmentation"]
    assert run_zoo(*args).returncode == 0
    limited = run_zoo("--max-image-pixels", "1000", *args)
    assert limited.returncode == 1
    assert "a.png: 100x80 image is 0.0 megapixels, over the limit of 0.001" in limited.stdout
