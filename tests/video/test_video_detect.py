"""``zoo detect`` and ``zoo segment`` on small real videos made from real data frames."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from zoo.cli.detect_cmd import detect
from zoo.cli.infer import segment

from .videos import camvid_frames, read_back, write_video

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def detector_path(tmp_path_factory):
    from zoo.detection.yolo import YOLODetector

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


def _mixed_folder(tmp_path, zoo_data):
    folder = tmp_path / "in"
    folder.mkdir()
    frames = camvid_frames(zoo_data, 7)
    write_video(folder / "drive.mp4", frames, 5.0)
    write_video(folder / "short.avi", frames[:4], 10.0)
    (folder / "broken.mkv").write_bytes(b"\x1a\x45\xdf\xa3 not really a video")
    shutil.copy(sorted((zoo_data / "camvid" / "val").glob("*.jpg"))[0], folder / "still.jpg")
    return folder


def test_detect_mixed_folder_videos_out_and_json(tmp_path, zoo_data, detector_path):
    folder = _mixed_folder(tmp_path, zoo_data)
    out, js = tmp_path / "out", tmp_path / "dets.json"
    args = [str(folder), "--model", str(detector_path), "--out", str(out), "--json", str(js)]
    result = CliRunner().invoke(detect, [*args, "--conf", "0.0", "--max-det", "3", "-q"])
    assert result.exit_code == 1, result.output  # the broken video
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1 and "broken.mkv" in errors[0] and "not a readable video" in errors[0]
    assert read_back(out / "drive.mp4") == (7, 5.0, 160, 120)
    assert read_back(out / "short.avi") == (4, 10.0, 160, 120)
    assert (out / "still.jpg").is_file()
    records = json.loads(js.read_text())
    frames = [r for r in records if "video" in r]
    assert [r["frame"] for r in frames if r["video"].endswith("drive.mp4")] == list(range(7))
    assert [r["time"] for r in frames if r["video"].endswith("short.avi")] == [0, 0.1, 0.2, 0.3]
    assert all(len(r["detections"]) == 3 and r["width"] == 160 for r in frames)
    assert sum("image" in r for r in records) == 1


def test_detect_every_n_frames(tmp_path, zoo_data, detector_path):
    video = write_video(tmp_path / "drive.mov", camvid_frames(zoo_data, 7), 6.0)
    out, js = tmp_path / "out", tmp_path / "dets.json"
    args = [str(video), "--model", str(detector_path), "--out", str(out), "--json", str(js)]
    result = CliRunner().invoke(detect, [*args, "--every", "3", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    records = json.loads(js.read_text())
    assert [(r["frame"], r["time"]) for r in records] == [(0, 0.0), (3, 0.5), (6, 1.0)]
    assert read_back(out / "drive.mov") == (3, 2.0, 160, 120)


def test_truncated_video_is_named_and_its_frames_kept(tmp_path, zoo_data, detector_path):
    whole = write_video(tmp_path / "whole.avi", camvid_frames(zoo_data, 10), 5.0)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    out = tmp_path / "out"
    result = CliRunner().invoke(
        detect, [str(cut), str(whole), "--model", str(detector_path), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "cut.avi" in result.stderr and "stops after" in result.stderr
    kept = read_back(out / "cut.avi")[0]
    assert 0 < kept < 10
    assert read_back(out / "whole.avi")[0] == 10


def test_segment_video_overlay_and_json(tmp_path, zoo_data):
    from zoo.api import create_model

    model = create_model(
        "fcn8s",
        num_classes=3,
        class_names=["sky", "road", "car"],
        backbone_config={"widths": [8, 8, 16, 16, 16], "depths": [1, 1, 1, 1, 1]},
    )
    model_path = tmp_path / "fcn.keras"
    model.save(model_path)
    video = write_video(tmp_path / "drive.mp4", camvid_frames(zoo_data, 5), 5.0)
    out, js = tmp_path / "out", tmp_path / "frames.json"
    result = CliRunner().invoke(
        segment, [str(video), "--model", str(model_path), "--out", str(out), "--json", str(js)]
    )
    assert result.exit_code == 0, result.output
    assert read_back(out / "drive_overlay.mp4") == (5, 5.0, 160, 120)
    records = json.loads(js.read_text())
    assert [r["frame"] for r in records] == list(range(5))
    assert all(abs(sum(r["classes"].values()) - 1) < 1e-3 for r in records)
