"""``zoo detect``: find objects in images and videos; annotated copies and JSON detections.

Example:
    $ zoo detect photos/ --model yolo-fastest.keras --out detections/ --json dets.json
    $ zoo detect street.mp4 --every 2 --out detections/
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
from zoo.writable import writable_dir, writable_file


def _record(path: Path, image, det: dict, class_names: list[str]) -> dict:
    return {
        "image": str(path),
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "detections": [
            {
                "class": class_names[int(label)],
                "class_id": int(label),
                "score": round(float(score), 5),
                "box": [round(float(v), 2) for v in box],
            }
            for box, score, label in zip(det["boxes"], det["scores"], det["labels"], strict=True)
        ],
    }


@click.command()
@media_argument()
@model_option("Model name, .keras path or exported file [default: the default detection model].")
@path_option(
    "--out",
    "out_dir",
    folder=True,
    help="Folder for annotated copies <stem>.jpg (none when omitted and --json is given).",
)
@click.option("--json", "json_path", default=None, help="Write the detections to this JSON file.")
@fraction_option("--conf", default=0.25, help="Score threshold.")
@fraction_option("--iou", default=0.45, help="NMS IoU threshold.")
@count_option("--max-det", default=100, low=1, high=10000)
@count_option("--batch-size", default=8, low=1, high=256)
@EVERY_OPTION
@quiet_option
@RUNTIME_OPTION
def detect(inputs, model_name, out_dir, json_path, conf, iou, max_det, batch_size, every, runtime):
    """Detect objects in images and videos (mp4, avi, mov, mkv): annotated copies and/or JSON.

    The JSON is a list of {"image", "width", "height", "detections": [{"class", "class_id",
    "score", "box": [x1, y1, x2, y2]}]} in the images' own pixels; a video gives one record per
    kept frame, {"video", "frame", "time", "width", "height", "detections"}, and an annotated
    video of the same size, frame rate and container. Unreadable images and videos are named
    on stderr; the rest are still processed and the exit status is non-zero at the end.
    """
    import cv2

    from zoo.cli.video_infer import detect_video
    from zoo.detection.draw import draw_detections

    images, videos, failures = gather_media(inputs)
    if out_dir is None and json_path is None:
        out_dir = "detect_out"
    out = writable_dir(out_dir, "--out folder") if out_dir else None  # before the model loads
    if json_path is not None:
        writable_file(json_path, "--json file")
    # Keras: batch norm folded into the convolutions (same detections, twice as fast on CPU)
    model = load_fast_model(model_name or default_model("detection"), "detection", runtime)
    records: list[dict] = []
    for batch in image_batches(images, batch_size, "detect", failures):
        dets = model.detect(
            [img for _, img in batch], conf=conf, iou=iou, max_det=max_det, batch_size=batch_size
        )
        for (path, img), det in zip(batch, dets, strict=True):
            records.append(_record(path, img, det, model.class_names))
            line = f"{path}: {len(det['scores'])} detection(s)"
            if out is not None:
                vis = draw_detections(
                    img, det["boxes"], det["scores"], det["labels"], model.class_names
                )
                _, jpg = cv2.imencode(".jpg", cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
                write_atomic(out / f"{path.stem}.jpg", jpg.tobytes())
                line += f" -> {out / (path.stem + '.jpg')}"
            click.echo(line)

    def one_video(path):
        return detect_video(model, path, out, conf, iou, max_det, batch_size, every, _record)

    for path, frames, written in run_videos(videos, failures, one_video):
        records.extend(frames)
        found = sum(len(r["detections"]) for r in frames)
        line = f"{path}: {len(frames)} frame(s), {found} detection(s)"
        click.echo(line + (f" -> {written}" if written else ""))
    if json_path is not None:
        target = Path(json_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, (json.dumps(records, indent=1) + "\n").encode())
    failures.exit()


COMMANDS = [detect]
