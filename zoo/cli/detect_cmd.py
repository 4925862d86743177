"""``zoo detect``: find objects in images; annotated copies and a JSON list of detections.

Example:
    $ zoo detect photos/ --model yolo-fastest.keras --out detections/ --json dets.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from zoo.cli.common import RUNTIME_OPTION, collect_images, default_model, load_fast_model, report


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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
@click.argument("inputs", nargs=-1, required=True, metavar="IMAGES_OR_FOLDERS...")
@click.option(
    "--model",
    "model_name",
    default=None,
    help="Model name, .keras path or exported file [default: the default detection model].",
)
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder for annotated copies <stem>.jpg (none when omitted and --json is given).",
)
@click.option("--json", "json_path", default=None, help="Write the detections to this JSON file.")
@click.option(
    "--conf", default=0.25, show_default=True, type=click.FloatRange(0, 1), help="Score threshold."
)
@click.option(
    "--iou", default=0.45, show_default=True, type=click.FloatRange(0, 1), help="NMS IoU threshold."
)
@click.option("--max-det", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(1, 256))
@RUNTIME_OPTION
def detect(inputs, model_name, out_dir, json_path, conf, iou, max_det, batch_size, runtime):
    """Detect objects in images: annotated copies and/or a JSON list of detections.

    The JSON is a list of {"image", "width", "height", "detections": [{"class", "class_id",
    "score", "box": [x1, y1, x2, y2]}]} in the images' own pixels. Unreadable images are
    named on stderr; the rest are still processed and the exit status is non-zero at the end.
    """
    import cv2

    from zoo.detection.data import read_image
    from zoo.detection.draw import draw_detections
    from zoo.errors import DataError

    images, problems = collect_images(inputs)
    report(problems)
    failed = bool(problems)
    if not images:
        raise click.exceptions.Exit(2)
    if out_dir is None and json_path is None:
        out_dir = "detect_out"
    # Keras: batch norm folded into the convolutions (same detections, twice as fast on CPU)
    model = load_fast_model(model_name or default_model("detection"), "detection", runtime)
    out = Path(out_dir) if out_dir else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    records: list[dict] = []

    def run(batch):
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
                _write_atomic(out / f"{path.stem}.jpg", jpg.tobytes())
                line += f" -> {out / (path.stem + '.jpg')}"
            click.echo(line)

    batch = []
    for path in images:
        try:
            image = read_image(path)
        except DataError:
            click.echo(f"zoo: error: {path}: not a readable image (empty or corrupt)", err=True)
            failed = True
            continue
        batch.append((path, image))
        if len(batch) == batch_size:
            run(batch)
            batch = []
    if batch:
        run(batch)
    if json_path is not None:
        target = Path(json_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(target, (json.dumps(records, indent=1) + "\n").encode())
    sys.exit(1 if failed else 0)


COMMANDS = [detect]
