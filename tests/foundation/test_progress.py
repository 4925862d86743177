"""zoo.progress: a bar on a terminal, at most four lines in a log, nothing when quiet."""

from __future__ import annotations

import io

import click
from click.testing import CliRunner

from zoo import progress
from zoo.progress import Progress, is_quiet, quiet_option, set_quiet, track


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_short_job_in_a_log_writes_nothing():
    log = io.StringIO()
    assert list(track(range(50), desc="eval", stream=log, terminal=False)) == list(range(50))
    assert log.getvalue() == ""


def test_long_job_in_a_log_writes_at_most_four_lines():
    log, clock = io.StringIO(), FakeClock()
    with Progress(
        total=1000, desc="eval", unit="img", stream=log, terminal=False, clock=clock
    ) as p:
        for _ in range(100):
            clock.now += 2.0  # 5 images a second
            p.update(10)
    lines = log.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0] == "eval: 250/1000 img in 00:50 (5.0 img/s, 02:30 left)"
    assert lines[-1] == "eval: 1000/1000 img in 03:20 (5.0 img/s)"


def test_unknown_total_in_a_log_gives_one_summary():
    log, clock = io.StringIO(), FakeClock()
    with Progress(desc="translate", unit="line", stream=log, terminal=False, clock=clock) as p:
        for _ in range(30):
            clock.now += 1.5
            p.update(2)
    assert log.getvalue().splitlines() == ["translate: 60 line in 00:45 (1.3 line/s)"]


def test_terminal_bar_has_count_rate_and_time_left():
    out = io.StringIO()
    with Progress(total=4, desc="detect", unit="img", stream=out, terminal=True) as p:
        p.update(3)
        p.update(1)
    text = out.getvalue()
    assert "detect" in text and "4/4" in text and "img/s" in text


def test_quiet_silences_terminal_and_log():
    out, clock = io.StringIO(), FakeClock()
    set_quiet(True)
    try:
        with Progress(total=4, stream=out, terminal=True) as p:
            p.update(4)
        with Progress(total=4, stream=out, terminal=False, clock=clock) as p:
            clock.now = 100
            p.update(4)
    finally:
        set_quiet(False)
    assert out.getvalue() == ""


def test_quiet_option_sets_and_resets_the_flag():
    seen = []

    @click.command()
    @click.option("--n", default=1)
    @quiet_option
    def cmd(n):
        seen.append((n, is_quiet()))

    assert CliRunner().invoke(cmd, ["--n", "2", "-q"]).exit_code == 0
    assert CliRunner().invoke(cmd, []).exit_code == 0
    assert seen == [(2, True), (1, False)]
    assert "--quiet" in CliRunner().invoke(cmd, ["--help"]).output
    assert progress.is_quiet() is False
