"""``zoo drive``: road-scene perception of videos and images with one driving model.

Example:
    $ zoo drive street.mp4 --out drive_out/
    $ zoo drive frames/ --out drive_out/ --runtime onnx
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from zoo.cli.common import RUNTIME_OPTION, default_model, load_fast_model
from zoo.cli.media import gather_media, image_batches, media_argument, run_videos, write_atomic
from zoo.cli.options import (
    EVERY_OPTION,
    count_option,
    fraction_option,
    model_option,
    path_option,
)
from zoo.progress import quiet_option
from zoo.writable import writable_dir


def _write_json(path: Path, value) -> None:
    write_atomic(path, (json.dumps(value, indent=1) + "\n").encode())


@click.command()
@media_argument("VIDEOS_IMAGES_OR_FOLDERS...")
@model_option("Driving model name, .keras path or exported file [default: drive-camvid-coco].")
@path_option(
    "--out",
    "out_dir",
    folder=True,
    default="drive_out",
    help="Folder for <stem>_drive.<ext> (video) / <stem>_drive.jpg (image) and <stem>.json.",
)
@fraction_option("--conf", default=0.25, help="Score threshold.")
@fraction_option("--iou", default=0.45, help="NMS IoU threshold.")
@fraction_option("--alpha", default=0.45, help="Mask opacity.")
@count_option("--batch-size", default=8, low=1, high=256)
@EVERY_OPTION
@quiet_option
@RUNTIME_OPTION
def drive(inputs, model_name, out_dir, conf, iou, alpha, batch_size, every, runtime):
    """Perceive road scenes in videos (mp4, avi, mov, mkv) and images: segmentation and
    detection from one network pass per frame.

    Writes an overlay (mask blended, boxes labelled, the corridor ahead outlined, a legend)
    and <stem>.json: a video's is a list of per-frame records {"video", "frame", "time",
    "width", "height", "objects": [{"class", "class_id", "score", "box"}], "classes" (pixel
    share of each class), "corridor" ([x0, y0, x1, y1]: the central 35-65% of the width
    below half the height), "road_ahead" (share of the corridor that is road), "nearest" (the
    object in the corridor with the lowest box bottom, or null)}; an image's is one such
    record with "image". Unreadable files are named on stderr; the rest are still processed
    and the exit status is non-zero at the end.
    """
    import cv2

    from zoo.cli.video_infer import drive_video
    from zoo.drive.scene import draw_frame, frame_record

    images, videos, failures = gather_media(inputs)
    out = writable_dir(out_dir, "--out folder")  # before the model loads
    model = load_fast_model(model_name or default_model("drive"), "drive", runtime)
    model = model.for_inference()  # Keras: batch norm folded; exported files: themselves

    for batch in image_batches(images, batch_size, "drive", failures):
        results = model.perceive([img for _, img in batch], conf=conf, iou=iou)
        for (path, img), result in zip(batch, results, strict=True):
            vis = draw_frame(img, result, model.class_names, model.detection_classes, alpha)
            _, jpg = cv2.imencode(".jpg", cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
            write_atomic(out / f"{path.stem}_drive.jpg", jpg.tobytes())
            scene = frame_record(result, model.class_names, model.detection_classes)
            _write_json(out / f"{path.stem}.json", {"image": str(path), **scene})
            click.echo(f"{path}: {len(scene['objects'])} object(s) -> {out / path.stem}_drive.jpg")

    def one_video(path):
        return drive_video(model, path, out, conf, iou, alpha, batch_size, every)

    for path, frames, written in run_videos(videos, failures, one_video):
        if frames:
            _write_json(out / f"{path.stem}.json", frames)
        line = f"{path}: {len(frames)} frame(s)"
        click.echo(line + (f" -> {written}, {out / path.stem}.json" if written else ""))
    failures.exit()


COMMANDS = [drive]
