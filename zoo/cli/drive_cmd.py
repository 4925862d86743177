"""``zoo drive``: road-scene perception of videos and images with one driving model.

Example:
    $ zoo drive street.mp4 --out drive_out/
    $ zoo drive frames/ --out drive_out/ --runtime onnx
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from zoo.cli.common import RUNTIME_OPTION, collect_media, default_model, load_fast_model, report
from zoo.progress import Progress, quiet_option
from zoo.writable import writable_dir


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _write_json(path: Path, value) -> None:
    _write_atomic(path, (json.dumps(value, indent=1) + "\n").encode())


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="VIDEOS_IMAGES_OR_FOLDERS...")
@click.option(
    "--model",
    "model_name",
    default=None,
    help="Driving model name, .keras path or exported file [default: drive-camvid-coco].",
)
@click.option(
    "--out",
    "out_dir",
    default="drive_out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for <stem>_drive.<ext> (video) / <stem>_drive.jpg (image) and <stem>.json.",
)
@click.option(
    "--conf", default=0.25, show_default=True, type=click.FloatRange(0, 1), help="Score threshold."
)
@click.option(
    "--iou", default=0.45, show_default=True, type=click.FloatRange(0, 1), help="NMS IoU threshold."
)
@click.option(
    "--alpha", default=0.45, show_default=True, type=click.FloatRange(0, 1), help="Mask opacity."
)
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option(
    "--every",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="Videos: keep one frame in N (the output video's frame rate is divided by N).",
)
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
    from zoo.data.images import read_image
    from zoo.drive.scene import draw_frame, frame_record
    from zoo.errors import DataError

    images, videos, problems = collect_media(inputs)
    report(problems)
    failed = bool(problems)
    if not images and not videos:
        raise click.exceptions.Exit(2)
    out = writable_dir(out_dir, "--out folder")  # before the model loads
    model = load_fast_model(model_name or default_model("drive"), "drive", runtime)
    model = model.for_inference()  # Keras: batch norm folded; exported files: themselves

    def run(batch):
        results = model.perceive([img for _, img in batch], conf=conf, iou=iou)
        for (path, img), result in zip(batch, results, strict=True):
            vis = draw_frame(img, result, model.class_names, model.detection_classes, alpha)
            _, jpg = cv2.imencode(".jpg", cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
            _write_atomic(out / f"{path.stem}_drive.jpg", jpg.tobytes())
            scene = frame_record(result, model.class_names, model.detection_classes)
            _write_json(out / f"{path.stem}.json", {"image": str(path), **scene})
            click.echo(f"{path}: {len(scene['objects'])} object(s) -> {out / path.stem}_drive.jpg")

    batch = []
    bar = Progress(total=len(images), desc="drive", unit="img")
    for path in images:
        bar.update(1)
        try:
            image = read_image(path)
        except DataError as err:
            click.echo(f"zoo: error: {err}", err=True)
            failed = True
            continue
        batch.append((path, image))
        if len(batch) == batch_size:
            run(batch)
            batch = []
    if batch:
        run(batch)
    bar.close()
    for path in videos:
        try:
            frames, written, problem = drive_video(
                model, path, out, conf, iou, alpha, batch_size, every
            )
        except DataError as exc:
            click.echo(f"zoo: error: {exc}", err=True)
            failed = True
            continue
        if problem:
            click.echo(f"zoo: error: {problem}", err=True)
            failed = True
        if frames:
            _write_json(out / f"{path.stem}.json", frames)
        line = f"{path}: {len(frames)} frame(s)"
        click.echo(line + (f" -> {written}, {out / path.stem}.json" if written else ""))
    sys.exit(1 if failed else 0)


COMMANDS = [drive]
