"""Where the shared data lives: ``$ZOO_DATA``, default ``../shared/data``.

Example:
    >>> from zoo.data.paths import data_root
    >>> (data_root() / "camvid").is_dir()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_root() -> Path:
    """Return the data folder from ``ZOO_DATA`` (default ``../shared/data``).

    A relative path is taken from the current directory, falling back to the project root.
    """
    raw = os.environ.get("ZOO_DATA", "../shared/data")
    path = Path(raw).expanduser()
    if path.is_absolute() or path.exists():
        return path
    return (PROJECT_ROOT / path).resolve()


def dataset_dir(name: str) -> Path:
    """Return ``data_root() / name`` (it may not exist; callers check)."""
    return data_root() / name


def resolve_data_dir(root: str | os.PathLike) -> Path:
    """A recipe's data folder: absolute, relative to the cwd if it exists there, else to
    ``$ZOO_DATA`` (so recipes can say ``root = "camvid"``)."""
    path = Path(root).expanduser()
    if path.is_absolute() or path.exists():
        return path
    return data_root() / path
