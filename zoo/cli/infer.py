"""Inference commands: ``zoo segment``, ``zoo detect``, ``zoo translate``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from zoo.cli.common import (
    RUNTIME_OPTION,
    collect_media,
    default_model,
    load_fast_model,
    report,
)
from zoo.progress import Progress, quiet_option
from zoo.writable import writable_dir


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="IMAGES_VIDEOS_OR_FOLDERS...")
@click.option(
    "--model",
    "model_name",
    default=None,
    help="Model name, .keras path or exported file [default: fcn8s-camvid].",
)
@click.option(
    "--out",
    "out_dir",
    default="segment_out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for <stem>.png masks and <stem>_overlay.jpg overlays (videos: "
    "<stem>_overlay.<ext>).",
)
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option(
    "--alpha", default=0.5, show_default=True, type=click.FloatRange(0, 1), help="Overlay opacity."
)
@click.option(
    "--every",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="Videos: keep one frame in N (the output video's frame rate is divided by N).",
)
@click.option(
    "--json",
    "json_path",
    default=None,
    help="Videos: write per-frame records (frame, time, share of each class) to this file.",
)
@click.option(
    "--tta",
    is_flag=True,
    help="Images: test-time augmentation, averaged over scales 0.75/1/1.25 and mirrors "
    "(6x slower).",
)
@quiet_option
@RUNTIME_OPTION
def segment(inputs, model_name, out_dir, batch_size, alpha, every, json_path, tta, runtime):
    """Segment images and videos: class-index masks and colour overlays with a legend.

    Each mask is a uint8 PNG of class indices with exactly the input's height and width. A
    video (mp4, avi, mov, mkv) gives an overlay video of the same size, frame rate and
    container. Unreadable images and videos are reported by name; the rest are still
    processed, and the exit status is non-zero at the end.
    """
    import json

    import cv2
    import numpy as np

    from zoo.cli.video_infer import segment_video
    from zoo.data.images import read_image
    from zoo.errors import DataError
    from zoo.segmentation.overlay import overlay

    images, videos, problems = collect_media(inputs)
    report(problems)
    failed = bool(problems)
    if not images and not videos:
        raise click.exceptions.Exit(2)
    out = writable_dir(out_dir, "--out folder")  # before the model loads
    if tta and runtime == "auto":
        runtime = "keras"  # test-time augmentation runs the Keras model
    model = load_fast_model(model_name or default_model("segmentation"), "segmentation", runtime)
    if tta and not hasattr(model, "predict_on_batch"):
        raise click.UsageError("--tta needs the model in Keras (--runtime keras, a name or .keras)")

    def run(batch):
        extra = {"tta": True} if tta else {}
        masks = model.segment([img for _, img in batch], batch_size=batch_size, **extra)
        for (path, img), mask in zip(batch, masks, strict=True):
            _, png = cv2.imencode(".png", mask.astype(np.uint8))
            vis = overlay(img, mask, model.class_names, alpha=alpha, legend="below")
            _, jpg = cv2.imencode(".jpg", cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
            _write_atomic(out / f"{path.stem}.png", png.tobytes())
            _write_atomic(out / f"{path.stem}_overlay.jpg", jpg.tobytes())
            click.echo(f"{path} -> {out / (path.stem + '.png')}")

    batch = []
    bar = Progress(total=len(images), desc="segment", unit="img")
    for path in images:
        bar.update(1)
        try:
            image = read_image(path)
        except DataError as err:
            click.echo(f"zoo: error: {err}", err=True)
            failed = True
            continue
        if batch and (len(batch) == batch_size or batch[0][1].shape != image.shape):
            run(batch)
            batch = []
        batch.append((path, image))
    if batch:
        run(batch)
    bar.close()
    records: list[dict] = []
    for path in videos:
        try:
            frames, written, problem = segment_video(model, path, out, alpha, batch_size, every)
        except DataError as exc:
            click.echo(f"zoo: error: {exc}", err=True)
            failed = True
            continue
        if problem:
            click.echo(f"zoo: error: {problem}", err=True)
            failed = True
        records.extend(frames)
        click.echo(f"{path}: {len(frames)} frame(s)" + (f" -> {written}" if written else ""))
    if json_path is not None:
        _write_atomic(Path(json_path), (json.dumps(records, indent=1) + "\n").encode())
    sys.exit(1 if failed else 0)


COMMANDS = [segment]
