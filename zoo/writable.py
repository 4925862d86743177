"""Refuse an output place that cannot be written, before any work starts.

A training run, ``zoo segment --out`` or ``zoo translate --output`` that could only find out at
its end (after hours, or after the model loaded) that its folder is read-only, full, or a file
would lose the work. :func:`writable_dir` creates the folder and writes a probe file in it;
:func:`writable_file` does so for the folder of an output file.

Example:
    >>> writable_dir("runs/tiny")  # doctest: +SKIP
    PosixPath('runs/tiny')
    >>> writable_dir("/proc/zoo")  # doctest: +SKIP
    Traceback (most recent call last):
    zoo.errors.ZooError: /proc/zoo: output folder cannot be written (No such file or directory)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from zoo.errors import ZooError


def writable_dir(path: str | os.PathLike, what: str = "output folder") -> Path:
    """``path`` as a folder that exists and takes new files, else :class:`ZooError`."""
    path = Path(path)
    try:
        if path.exists() and not path.is_dir():
            raise ZooError(f"{path}: {what} cannot be written: it is a file, not a folder")
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".zoo-write-probe-"):
            pass
    except OSError as err:
        raise ZooError(f"{path}: {what} cannot be written ({err.strerror or err})") from None
    return path


def writable_file(path: str | os.PathLike, what: str = "output file") -> Path:
    """``path`` as a file that can be (re)written: not a folder, its folder writable."""
    path = Path(path)
    if path.is_dir():
        raise ZooError(f"{path}: {what} cannot be written: it is a folder")
    writable_dir(path.parent if str(path.parent) else Path("."), f"folder of the {what}")
    if path.exists() and not os.access(path, os.W_OK):
        raise ZooError(f"{path}: {what} cannot be written (read-only file)")
    return path
