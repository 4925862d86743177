"""User-facing errors.

A :class:`ZooError` is a mistake a user can fix (missing file, unknown model, bad data folder,
corrupted weights). The CLI prints its message as one line on stderr and exits non-zero,
never a traceback. Messages name the file and the problem, and say what to do where possible.

Example:
    >>> raise ZooError("weights/x.keras: sha256 mismatch; delete the file and download it again")
"""

from __future__ import annotations


class ZooError(Exception):
    """A user mistake or bad input, reported as one clear line."""


class WeightsError(ZooError):
    """A weights file is missing, truncated or does not match its recorded sha256."""


class DataError(ZooError):
    """A data folder or file is unreadable or inconsistent."""


def one_line(message: str) -> str:
    """``message`` with line breaks and other unprintable characters escaped (``\\n``), so
    that a file name holding them cannot split a problem over several lines.

    Example:
        >>> one_line("a.json: image a\\nb.jpg not found")
        'a.json: image a\\\\nb.jpg not found'
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
