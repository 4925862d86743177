"""Inference commands: ``zoo segment``, ``zoo detect``, ``zoo translate``."""

from __future__ import annotations

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


@click.command()
@media_argument()
@model_option("Model name, .keras path or exported file [default: fcn8s-camvid].")
@path_option(
    "--out",
    "out_dir",
    default="segment_out",
    folder=True,
    help="Folder for <stem>.png masks and <stem>_overlay.jpg overlays (videos: "
    "<stem>_overlay.<ext>).",
)
@count_option("--batch-size", default=8, low=1, high=256)
@fraction_option("--alpha", default=0.5, help="Overlay opacity.")
@EVERY_OPTION
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
    from zoo.segmentation.overlay import overlay

    images, videos, failures = gather_media(inputs)
    out = writable_dir(out_dir, "--out folder")  # before the model loads
    if tta and runtime == "auto":
        runtime = "keras"  # test-time augmentation runs the Keras model
    model = load_fast_model(model_name or default_model("segmentation"), "segmentation", runtime)
    if tta and not hasattr(model, "predict_on_batch"):
        raise click.UsageError("--tta needs the model in Keras (--runtime keras, a name or .keras)")

    extra = {"tta": True} if tta else {}
    for batch in image_batches(images, batch_size, "segment", failures, same_shape=True):
        masks = model.segment([img for _, img in batch], batch_size=batch_size, **extra)
        for (path, img), mask in zip(batch, masks, strict=True):
            _, png = cv2.imencode(".png", mask.astype(np.uint8))
            vis = overlay(img, mask, model.class_names, alpha=alpha, legend="below")
            _, jpg = cv2.imencode(".jpg", cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
            write_atomic(out / f"{path.stem}.png", png.tobytes())
            write_atomic(out / f"{path.stem}_overlay.jpg", jpg.tobytes())
            click.echo(f"{path} -> {out / (path.stem + '.png')}")
    records: list[dict] = []

    def one_video(path):
        return segment_video(model, path, out, alpha, batch_size, every)

    for path, frames, written in run_videos(videos, failures, one_video):
        records.extend(frames)
        click.echo(f"{path}: {len(frames)} frame(s)" + (f" -> {written}" if written else ""))
    if json_path is not None:
        write_atomic(Path(json_path), (json.dumps(records, indent=1) + "\n").encode())
    failures.exit()


COMMANDS = [segment]
