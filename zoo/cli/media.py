"""The image and video loop ``zoo detect``, ``zoo segment`` and ``zoo drive`` share, with the
inputs argument (:func:`media_argument`) and the error handling.

Inputs are gathered once (:func:`gather_media`); an unreadable image or video is named on
stderr in one line, the others are still processed, and :meth:`Failures.exit` ends the command
with status 1 when anything failed. Outputs are written whole (:func:`write_atomic`).

Example:
    >>> images, videos, failures = gather_media(["photos/"])  # doctest: +SKIP
    >>> for batch in image_batches(images, 8, "detect", failures):  # doctest: +SKIP
    ...     run(batch)
    >>> failures.exit()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import click

from zoo.cli.common import collect_media, report
from zoo.progress import Progress


def media_argument(metavar: str = "IMAGES_VIDEOS_OR_FOLDERS..."):
    """``INPUTS...``: one or more images, videos or folders (``inputs``)."""
    return click.argument("inputs", nargs=-1, required=True, metavar=metavar)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` beside ``path`` and rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Failures:
    """Counts the inputs that failed; each is named on stderr as ``zoo: error: ...``."""

    def __init__(self, problems: Iterable[str] = ()):
        problems = list(problems)
        report(problems)
        self.failed = bool(problems)

    def error(self, message) -> None:
        click.echo(f"zoo: error: {message}", err=True)
        self.failed = True

    def exit(self):
        sys.exit(1 if self.failed else 0)


def gather_media(inputs: Iterable[str]) -> tuple[list[Path], list[Path], Failures]:
    """Images, videos and the failures so far; exits with status 2 when nothing is usable."""
    images, videos, problems = collect_media(inputs)
    failures = Failures(problems)
    if not images and not videos:
        raise click.exceptions.Exit(2)
    return images, videos, failures


def image_batches(
    images: list[Path], batch_size: int, desc: str, failures: Failures, same_shape: bool = False
) -> Iterator[list[tuple[Path, object]]]:
    """``[(path, rgb image), ...]`` batches of up to ``batch_size`` readable images, in order
    (``same_shape``: a batch also ends where the image size changes); a progress bar."""
    from zoo.data.images import read_image
    from zoo.errors import DataError

    batch: list[tuple[Path, object]] = []
    bar = Progress(total=len(images), desc=desc, unit="img")
    for path in images:
        bar.update(1)
        try:
            image = read_image(path)
        except DataError as err:
            failures.error(err)
            continue
        if batch and (
            len(batch) == batch_size or (same_shape and batch[0][1].shape != image.shape)
        ):
            yield batch
            batch = []
        batch.append((path, image))
    if batch:
        yield batch
    bar.close()


def run_videos(
    videos: list[Path], failures: Failures, run: Callable[[Path], tuple[list, Path | None, str]]
) -> Iterator[tuple[Path, list[dict], Path | None]]:
    """``(path, frame records, video written)`` of each video ``run`` could open; a video that
    cannot be opened, or breaks part-way (its frames so far are kept), is a failure."""
    from zoo.errors import DataError

    for path in videos:
        try:
            frames, written, problem = run(path)
        except DataError as exc:
            failures.error(exc)
            continue
        if problem:
            failures.error(problem)
        yield path, frames, written
