"""Data tools: ``zoo data check`` and ``zoo anchors``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from zoo.cli.options import count_option
from zoo.progress import quiet_option


def _looks_like_segmentation(root: Path) -> bool:
    names = {p.name for p in root.iterdir()} if root.is_dir() else set()
    return bool(names & {"SegmentationClass", "masks", "trainannot", "valannot", "testannot"})


@click.group()
def data():
    """Dataset tools."""


@data.command()
@click.argument("root", type=click.Path(exists=True, file_okay=False))
@click.option("--split", default=None, help="Only this split.")
@click.option("--num-classes", default=None, type=int, help="Class count (segmentation).")
@click.option(
    "--task",
    type=click.Choice(["auto", "segmentation", "detection"]),
    default="auto",
    show_default=True,
)
@quiet_option
def check(root, split, num_classes, task):
    """Check a dataset folder; prints one line per problem, naming the file."""
    root_path = Path(root)
    if task == "auto":
        task = "segmentation" if _looks_like_segmentation(root_path) else "detection"
    if task == "segmentation":
        from zoo.segmentation.data.check import check_segmentation_dataset

        problems = check_segmentation_dataset(root_path, split=split, num_classes=num_classes)
    else:
        from zoo.detection.data.check import check_detection_dataset

        problems = check_detection_dataset(root_path)
    for line in problems:
        click.echo(line)
    click.echo(f"{root}: {len(problems)} problem(s)", err=True)
    sys.exit(1 if problems else 0)


@click.command()
@click.option(
    "--data",
    "data_dirs",
    required=True,
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Dataset folder (repeatable).",
)
@count_option("-n", "num_anchors", default=6, low=1, high=30)
@count_option("--size", default=320, low=32, high=4096, help="Model input size (square).")
@click.option(
    "--letterbox/--resize",
    default=False,
    show_default=True,
    help="Box sizes as after a letterbox or a plain resize to the input size.",
)
@click.option("--seed", default=0, show_default=True, type=int)
def anchors(data_dirs, num_anchors, size, letterbox, seed):
    """Anchors for a detection dataset: k-means on box sizes with 1 - IoU distance.

    Prints JSON: anchors as [w, h] in input pixels sorted by area, and the mean best IoU.
    """
    from zoo.detection.anchors import dataset_anchors
    from zoo.detection.data import read_detection_dataset

    dataset = read_detection_dataset(list(data_dirs) if len(data_dirs) > 1 else data_dirs[0])
    found, mean_iou = dataset_anchors(dataset, num_anchors, (size, size), letterbox, seed)
    click.echo(
        json.dumps(
            {
                "anchors": [[round(float(w), 1), round(float(h), 1)] for w, h in found],
                "mean_iou": round(float(mean_iou), 4),
                "size": size,
                "n_boxes": dataset.num_boxes,
            }
        )
    )


COMMANDS = [data, anchors]
