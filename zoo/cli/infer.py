"""Inference commands: ``zoo segment``, ``zoo detect``, ``zoo translate``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from zoo.cli.common import RUNTIME_OPTION, collect_images, default_model, load_fast_model, report


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="IMAGES_OR_FOLDERS...")
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
    help="Folder for <stem>.png masks and <stem>_overlay.jpg overlays.",
)
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option(
    "--alpha", default=0.5, show_default=True, type=click.FloatRange(0, 1), help="Overlay opacity."
)
@RUNTIME_OPTION
def segment(inputs, model_name, out_dir, batch_size, alpha, runtime):
    """Segment images: writes class-index masks and colour overlays with a legend.

    Each mask is a uint8 PNG of class indices with exactly the input's height and width.
    Unreadable images are reported by name; the rest are still processed, and the exit
    status is non-zero at the end.
    """
    import cv2
    import numpy as np

    from zoo.segmentation.data.io import read_image
    from zoo.segmentation.overlay import overlay

    images, problems = collect_images(inputs)
    report(problems)
    failed = bool(problems)
    if not images:
        raise click.exceptions.Exit(2)
    model = load_fast_model(model_name or default_model("segmentation"), "segmentation", runtime)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def run(batch):
        masks = model.segment([img for _, img in batch], batch_size=batch_size)
        for (path, img), mask in zip(batch, masks, strict=True):
            _, png = cv2.imencode(".png", mask.astype(np.uint8))
            vis = overlay(img, mask, model.class_names, alpha=alpha)
            _, jpg = cv2.imencode(".jpg", cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
            _write_atomic(out / f"{path.stem}.png", png.tobytes())
            _write_atomic(out / f"{path.stem}_overlay.jpg", jpg.tobytes())
            click.echo(f"{path} -> {out / (path.stem + '.png')}")

    batch = []
    for path in images:
        try:
            image = read_image(path)
            if image.size == 0:
                raise ValueError
        except Exception:
            click.echo(f"zoo: error: {path}: not a readable image (empty or corrupt)", err=True)
            failed = True
            continue
        if batch and (len(batch) == batch_size or batch[0][1].shape != image.shape):
            run(batch)
            batch = []
        batch.append((path, image))
    if batch:
        run(batch)
    sys.exit(1 if failed else 0)


COMMANDS = [segment]
