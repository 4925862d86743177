"""Helpers shared by the CLI commands: model resolution and image collection."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from zoo.backend import setup_backend
from zoo.data.images import IMAGE_SUFFIXES
from zoo.errors import ZooError


def open_model(name: str):
    """Load a model by name, ``.keras`` path or exported file (:mod:`zoo.sources` decides
    which, once); Keras is imported quietly when the model needs it."""
    from zoo.api import load
    from zoo.sources import resolve_source

    source = resolve_source(name)
    if source.needs_keras:
        setup_backend()
    return load(source)


def load_model(name: str, task: str):
    """Load a model by name, ``.keras`` path or exported file and check it does ``task``."""
    model = open_model(name)
    actual = getattr(model, "task", None)
    if actual != task:
        raise ZooError(f"{name}: this is a {actual or 'non-zoo'} model, not a {task} model")
    return model


def load_fast_model(name: str, task: str, runtime: str):
    """``name`` in the runtime ``--runtime`` asks for (see :mod:`zoo.runtime.cache`)."""
    from zoo.runtime.cache import cached_export, choose_runtime
    from zoo.sources import resolve_source

    name = resolve_source(name)
    chosen = choose_runtime(name, runtime)
    if chosen in ("file", "keras"):
        model = load_model(name, task)
        return model.for_inference() if task == "detection" else model
    return load_model(str(cached_export(str(name), chosen)), task)


RUNTIME_OPTION = click.option(
    "--runtime",
    type=click.Choice(["auto", "keras", "onnx", "litert"]),
    default="auto",
    show_default=True,
    help="Where the model runs; auto: the trained detectors and segmenters in LiteRT (exported "
    "once into ZOO_CACHE; Keras for --tta), .keras files in Keras.",
)


def default_model(task: str) -> str:
    """The default trained model of a task: the record marked ``"default": true``, else the
    first record of that task not marked ``"default": false``."""
    from zoo.weights import manifest

    records = [(n, r) for n, r in manifest().items() if r.get("task") == task]
    for name, record in records:
        if record.get("default") is True:
            return name
    for name, record in records:
        if record.get("default", True):
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


def collect_media(inputs: Iterable[str]) -> tuple[list[Path], list[Path], list[str]]:
    """Expand files and folders into (images, videos, problems); folders may mix both."""
    from zoo.video import VIDEO_SUFFIXES, is_video

    files: list[Path] = []
    problems: list[str] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.suffix.lower() in {*IMAGE_SUFFIXES, *VIDEO_SUFFIXES}
            )
            if not found:
                problems.append(f"{path}: no images or videos in this folder")
            files += found  # a folder named like an image is named by the image reader
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return (
        [p for p in files if not is_video(p)],
        [p for p in files if is_video(p)],
        problems,
    )
