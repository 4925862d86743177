"""Helpers shared by the CLI commands: model resolution and image collection."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import click

from zoo.errors import ZooError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def setup_backend() -> None:
    """Quiet TensorFlow's start-up logs before Keras is imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def load_model(name: str, task: str):
    """Load a model by name or ``.keras`` path and check it does ``task``."""
    setup_backend()
    from zoo.api import load

    model = load(name)
    actual = getattr(model, "task", None)
    if actual != task:
        raise ZooError(f"{name}: this is a {actual or 'non-zoo'} model, not a {task} model")
    return model


def default_model(task: str) -> str:
    """The default trained model of a task (first manifest record of that task)."""
    from zoo.weights import manifest

    for name, record in manifest().items():
        if record.get("task") == task and record.get("default", True):
            return name
    raise ZooError(f"no trained {task} model in the manifest; pass --model NAME|PATH")


def collect_images(inputs: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Expand files and folders into image paths; returns (images, problems)."""
    images: list[Path] = []
    problems: list[str] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                problems.append(f"{path}: no images in this folder")
            images.extend(found)
        elif path.is_file():
            images.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return images, problems


def report(problems: list[str]) -> None:
    """Print each problem as one line on stderr."""
    for line in problems:
        click.echo(f"zoo: error: {line}", err=True)
