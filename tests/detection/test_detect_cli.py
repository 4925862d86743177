"""``zoo detect``: JSON format in original pixels, annotated images, unreadable images."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from zoo.cli.detect_cmd import detect
from zoo.detection.yolo import YOLODetector


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    model = YOLODetector(
        num_classes=2,
        class_names=["raccoon", "kangaroo"],
        input_size=(64, 64),
        strides=(16, 32),
        backbone_config={"widths": [16, 16, 32, 32, 64], "depths": [1, 1, 1, 1, 1]},
        neck_channels=[16, 32, 32],
    )
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    model.save(path)
    return path


def images_dir(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    cv2.imwrite(str(folder / "a.jpg"), rng.integers(0, 255, (90, 160, 3), dtype=np.uint8))
    cv2.imwrite(str(folder / "b.png"), rng.integers(0, 255, (40, 30, 3), dtype=np.uint8))
    (folder / "broken.jpg").write_bytes(b"not an image")
    return folder


def test_json_annotated_images_and_bad_image(tmp_path, model_path):
    folder = images_dir(tmp_path)
    out, js = tmp_path / "out", tmp_path / "dets.json"
    result = CliRunner().invoke(
        detect,
        [
            str(folder),
            "--model",
            str(model_path),
            "--out",
            str(out),
            "--json",
            str(js),
            "--conf",
            "0.0",
            "--max-det",
            "5",
        ],
    )
    assert result.exit_code == 1  # the broken image
    assert "broken.jpg" in result.output  # click's runner mixes stderr into output
    records = json.loads(js.read_text())
    assert [r["image"] for r in records] == [str(folder / "a.jpg"), str(folder / "b.png")]
    for r, (w, h) in zip(records, [(160, 90), (30, 40)], strict=True):
        assert (r["width"], r["height"]) == (w, h)
        assert len(r["detections"]) == 5
        for d in r["detections"]:
            assert set(d) == {"class", "class_id", "score", "box"}
            assert d["class"] == ["raccoon", "kangaroo"][d["class_id"]]
            x1, y1, x2, y2 = d["box"]
            assert 0 <= x1 <= x2 <= w and 0 <= y1 <= y2 <= h
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "b.jpg"]
    assert cv2.imread(str(out / "a.jpg")).shape == (90, 160, 3)


def test_all_good_exit_zero_and_missing_path(tmp_path, model_path):
    folder = images_dir(tmp_path)
    (folder / "broken.jpg").unlink()
    js = tmp_path / "d.json"
    ok = CliRunner().invoke(detect, [str(folder), "--model", str(model_path), "--json", str(js)])
    assert ok.exit_code == 0, ok.output
    assert len(json.loads(js.read_text())) == 2
    missing = CliRunner().invoke(detect, [str(tmp_path / "nope"), "--model", str(model_path)])
    assert missing.exit_code == 2 and "nope" in missing.output
