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


def test_cpu_name_adds_the_vector_extensions(monkeypatch, tmp_path):
    from pathlib import Path

    from zoo import benchmarking

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "model name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu avx2 avx512f amx_tile\n"
    )
    real_path = Path

    def fake_path(name):
        return cpuinfo if str(name) == "/proc/cpuinfo" else real_path(name)

    monkeypatch.setattr(benchmarking, "Path", fake_path)
    assert benchmarking.cpu_name() == "Intel(R) Xeon(R) Processor (AVX-512, AMX)"
    cpuinfo.write_text("model name\t: AMD EPYC 7B13\nflags\t\t: fpu avx2\n")
    assert benchmarking.cpu_name() == "AMD EPYC 7B13 (AVX2)"
