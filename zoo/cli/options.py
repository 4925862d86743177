"""The options the CLI commands share, declared once.

Each helper returns a ``click.option`` decorator; a command keeps its own defaults and help
where they differ (``--batch-size 64`` for translation, 8 for images).

Example:
    >>> @click.command()
    ... @count_option("--batch-size", 8, 1, 256)
    ... @EVERY_OPTION
    ... def run(batch_size, every): ...
"""

from __future__ import annotations

import click


def model_option(help: str):
    """``--model NAME|PATH`` (``model_name``; ``None`` means the task's default model)."""
    return click.option("--model", "model_name", default=None, help=help)


def count_option(*decls: str, default: int, low: int, high: int | None = None, help=None):
    """A whole-number option in ``low..high`` with its default shown."""
    return click.option(
        *decls, default=default, show_default=True, type=click.IntRange(low, high), help=help
    )


def number_option(*decls: str, default: float, low: float, high: float | None = None, help=None):
    """A number option in ``low..high`` with its default shown."""
    return click.option(
        *decls, default=default, show_default=True, type=click.FloatRange(low, high), help=help
    )


def fraction_option(*decls: str, default: float, help: str):
    """A number option in ``0..1`` with its default shown."""
    return number_option(*decls, default=default, low=0, high=1, help=help)


def beam_option(help: str):
    """``--beam N``, 1 (greedy) to 64, default 5."""
    return count_option("--beam", default=5, low=1, high=64, help=help)


EVERY_OPTION = count_option(
    "--every",
    default=1,
    low=1,
    high=100000,
    help="Videos: keep one frame in N (the output video's frame rate is divided by N).",
)


def path_option(*decls: str, folder: bool, help: str, default: str | None = None):
    """A folder (``folder=True``) or file option; a default, when there is one, is shown."""
    return click.option(
        *decls,
        default=default,
        show_default=default is not None or None,
        type=click.Path(file_okay=not folder, dir_okay=folder),
        help=help,
    )
