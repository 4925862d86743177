"""zoo.benchmarking.report: the record it writes holds the table it printed (the docs render it)."""

from __future__ import annotations

import json

from zoo.benchmarking import report


def test_report_writes_the_printed_table(tmp_path, capsys):
    results = {"rows": [{"images_per_s": 2.5}]}
    table = "| measure | images/s |\n| --- | ---: |\n| forward | 2.5 |"
    report(table, results, tmp_path / "results" / "benchmark.json")
    assert table in capsys.readouterr().out
    saved = json.loads((tmp_path / "results" / "benchmark.json").read_text())
    assert saved == {"rows": [{"images_per_s": 2.5}], "table": table} == results
