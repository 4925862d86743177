"""``zoo drive`` on small real videos and images, bad inputs, and ``zoo eval``'s dispatch."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from tests.video.videos import camvid_frames, read_back, write_video
from zoo.cli.drive_cmd import drive

pytestmark = pytest.mark.data
FIELDS = {"width", "height", "objects", "classes", "corridor", "road_ahead", "nearest"}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("in")
    frames = camvid_frames(data_dir, 6, size=(240, 180))
    write_video(folder / "street.mp4", frames, 5.0)
    (folder / "broken.mkv").write_bytes(b"\x1a\x45\xdf\xa3 not really a video")
    shutil.copy(sorted((data_dir / "camvid" / "val").glob("*.jpg"))[0], folder / "still.jpg")
    return folder


def test_video_image_and_bad_inputs(inputs, small_drive, tmp_path):
    out = tmp_path / "out"
    args = [str(inputs), str(inputs / "missing.mp4"), "--model", str(small_drive)]
    result = CliRunner().invoke(drive, [*args, "--out", str(out), "--runtime", "keras", "-q"])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("zoo: error")]
    assert any("broken.mkv" in line for line in errors), result.stderr
    assert any("missing.mp4" in line for line in errors), result.stderr
    assert len(errors) == 2
    assert read_back(out / "street_drive.mp4")[0] == 6
    frames = json.loads((out / "street.json").read_text())
    assert [f["frame"] for f in frames] == list(range(6))
    assert set(frames[0]) >= FIELDS and frames[0]["width"] == 240
    assert frames[0]["corridor"] == [84, 90, 156, 180]
    assert 0 <= frames[0]["road_ahead"] <= 1
    assert abs(sum(frames[0]["classes"].values()) - 1) < 1e-3
    image = json.loads((out / "still.json").read_text())
    assert set(image) >= FIELDS and image["image"].endswith("still.jpg")
    assert (out / "still_drive.jpg").stat().st_size > 0
    assert not (out / "broken_drive.mkv").exists()


def test_every_other_frame(inputs, small_drive, tmp_path):
    out = tmp_path / "out"
    args = [str(inputs / "street.mp4"), "--model", str(small_drive), "--every", "2"]
    result = CliRunner().invoke(drive, [*args, "--out", str(out), "--runtime", "keras", "-q"])
    assert result.exit_code == 0, result.output
    assert [f["frame"] for f in json.loads((out / "street.json").read_text())] == [0, 2, 4]


def test_not_a_driving_model(inputs, tmp_path):
    args = [str(inputs / "still.jpg"), "--model", "yolo-fastest-xl-coco", "--runtime", "keras"]
    result = CliRunner().invoke(drive, [*args, "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "not a drive model" in str(result.exception) + result.output


def test_eval_dispatches_on_the_data(small_drive, data_dir, tmp_path):
    import zoo
    from zoo.drive.evaluate import data_task, evaluate_drive

    assert data_task(data_dir / "camvid", "val") == "segmentation"
    assert data_task(data_dir / "coco128", "val") == "detection"
    camvid = tmp_path / "camvid"
    for split in ("val", "valannot"):
        (camvid / split).mkdir(parents=True)
    for image in sorted((data_dir / "camvid" / "val").glob("*.jpg"))[:3]:
        shutil.copy(image, camvid / "val" / image.name)
        mask = data_dir / "camvid" / "valannot" / f"{image.stem}.png"
        shutil.copy(mask, camvid / "valannot" / mask.name)
    model = zoo.load(small_drive).for_inference()
    seg = evaluate_drive(model, camvid, "val")
    assert seg["task"] == "segmentation" and seg["n_images"] == 3 and 0 <= seg["miou"] <= 1
    assert list(seg["per_class_iou"]) == model.class_names
    det = evaluate_drive(model, data_dir / "coco128", "val")
    assert det["task"] == "detection" and det["n_images"] == 128
    assert det["coco_ap50"] > 0.05  # the COCO detector's heads, even at 64x96
