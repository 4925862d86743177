"""Progress of long jobs on stderr: a tqdm bar on a terminal, a few lines in logs, or nothing.

On a terminal the bar shows the count, the rate and the time left. When stderr is not a
terminal (a log file, CI), a job that runs for at least ``LOG_AFTER_S`` seconds writes at most
four lines: at 25, 50 and 75 % of a known total and one summary at the end; shorter jobs say
nothing. ``set_quiet(True)`` (the commands' ``--quiet``) silences both.

Example:
    >>> for path in track(paths, desc="segment", unit="img"):  # doctest: +SKIP
    ...     run(path)
    >>> with Progress(total=1000, desc="eval", unit="img") as bar:  # doctest: +SKIP
    ...     bar.update(8)
"""

from __future__ import annotations

import functools
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TypeVar

import click

T = TypeVar("T")
LOG_AFTER_S = 30.0
LOG_MILESTONES = (0.25, 0.5, 0.75)
_quiet = False


def set_quiet(quiet: bool) -> None:
    """Silence (``True``) or allow (``False``) every progress display of this process."""
    global _quiet
    _quiet = bool(quiet)


def is_quiet() -> bool:
    """Whether progress displays are silenced."""
    return _quiet


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class Progress:
    """Counts work done; draws a bar on a terminal, a few lines in a log, nothing when quiet.

    Args:
        total: units of work expected (``None`` when unknown).
        desc: what is being done, e.g. ``"eval coco128"``.
        unit: the unit's name, e.g. ``"img"``, ``"frame"``, ``"line"``.
        stream: where to write (default ``sys.stderr``).
        terminal: force the terminal (``True``) or log (``False``) display; default: ask ``stream``.
        clock: the time source (``time.monotonic``), replaceable in tests.

    Example:
        >>> import io
        >>> log = io.StringIO()
        >>> with Progress(total=4, desc="demo", unit="img", stream=log, terminal=False) as p:
        ...     p.update(4)
        >>> log.getvalue()  # a short job writes nothing to a log
        ''
    """

    def __init__(
        self,
        total: int | None = None,
        desc: str = "",
        unit: str = "it",
        stream: IO[str] | None = None,
        terminal: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total, self.desc, self.unit = total, desc, unit
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.count = 0
        self.start = clock()
        self._milestones = list(LOG_MILESTONES) if total else []
        self._lines = 0
        self._bar = None
        if _quiet:
            self.mode = "quiet"
            return
        if terminal is None:
            isatty = getattr(self.stream, "isatty", None)
            terminal = bool(isatty and isatty())
        self.mode = "terminal" if terminal else "log"
        if self.mode == "terminal":
            from tqdm import tqdm

            sized = shutil.get_terminal_size(fallback=(0, 0)).columns > 0
            self._bar = tqdm(  # a terminal without a size (a bare pty) gets 100x20
                total=total,
                desc=desc,
                unit=unit,
                file=self.stream,
                dynamic_ncols=sized,
                ncols=None if sized else 100,
                nrows=None if sized else 20,
            )

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        self.count += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "log" and self._milestones:
            elapsed = self.clock() - self.start
            done = self.count / self.total
            passed = [m for m in self._milestones if done >= m]
            if passed:
                self._milestones = [m for m in self._milestones if done < m]
                if elapsed >= LOG_AFTER_S:
                    self._write(self._status(elapsed))

    def _status(self, elapsed: float) -> str:
        rate = self.count / elapsed if elapsed > 0 else 0.0
        of = f"/{self.total}" if self.total else ""
        line = f"{self.desc}: {self.count}{of} {self.unit} in {_duration(elapsed)}"
        line += f" ({rate:.1f} {self.unit}/s"
        if self.total and rate > 0 and self.count < self.total:
            line += f", {_duration((self.total - self.count) / rate)} left"
        return line + ")"

    def _write(self, line: str) -> None:
        self._lines += 1
        click.echo(line, file=self.stream)

    def close(self) -> None:
        """End the display: close the bar, or write the summary line of a long logged job."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "log":
            elapsed = self.clock() - self.start
            if elapsed >= LOG_AFTER_S or self._lines:
                self._write(self._status(elapsed))
            self.mode = "closed"

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def track(
    items: Iterable[T],
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    **kwargs,
) -> Iterator[T]:
    """Yield ``items`` one by one, counting each in a :class:`Progress`.

    Example:
        >>> list(track([1, 2, 3], desc="demo", terminal=False))
        [1, 2, 3]
    """
    if total is None and hasattr(items, "__len__"):
        total = len(items)
    with Progress(total=total, desc=desc, unit=unit, **kwargs) as bar:
        for item in items:
            yield item
            bar.update(1)


def quiet_option(command: Callable) -> Callable:
    """Click decorator: a ``--quiet`` / ``-q`` flag that silences progress displays."""

    @functools.wraps(command)
    def run(*args, quiet: bool = False, **kwargs):
        set_quiet(quiet)
        return command(*args, **kwargs)

    return click.option(
        "--quiet", "-q", is_flag=True, help="No progress bar or progress lines on stderr."
    )(run)
