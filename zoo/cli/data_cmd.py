"""Data tools: ``zoo data check`` and ``zoo anchors``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


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
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("-n", "num_anchors", default=6, show_default=True, type=click.IntRange(1, 30))
@click.option("--size", default=320, show_default=True, type=int, help="Model input size.")
@click.option("--letterbox", is_flag=True, help="Boxes as after a letterbox resize.")
def anchors(data_dir, num_anchors, size, letterbox):
    """Anchors for a detection dataset: k-means on box sizes with 1 - IoU distance."""
    from zoo.detection.anchors import kmeans_anchors_for_dataset

    result = kmeans_anchors_for_dataset(data_dir, num_anchors, size, letterbox=letterbox)
    click.echo(json.dumps(result))


COMMANDS = [data, anchors]
