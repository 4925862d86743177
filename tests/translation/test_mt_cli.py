"""``zoo translate`` and ``zoo eval`` on a translation model: one line per input, BLEU check."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest
import sacrebleu
from click.testing import CliRunner

from zoo.cli import main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, make_tiny_en_fr):
    model = make_tiny_en_fr()
    path = tmp_path_factory.mktemp("mt") / "tiny.keras"
    model.save(path)
    return path


def test_translate_one_line_per_input_line(model_file, tmp_path):
    lines = ["A red cat.", "", "The dog 🐕 runs\u200b.", "x" * 5000, "Ein Hund läuft.", "   "]
    src = tmp_path / "in.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    result = CliRunner().invoke(
        main,
        [
            "translate",
            "--model",
            str(model_file),
            "--input",
            str(src),
            "--output",
            str(out),
            "--beam",
            "2",
            "--attention",
            str(tmp_path / "att"),
        ],
    )
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8").split("\n")
    assert written[-1] == "" and len(written) - 1 == len(lines)
    assert written[1] == ""  # an empty line stays empty
    assert len(list((tmp_path / "att").glob("*.png"))) == len(lines)


def test_translate_arguments_and_stdin_subprocess(model_file):
    cmd = [sys.executable, "-m", "zoo", "translate", "--model", str(model_file), "--beam", "1"]
    args = subprocess.run([*cmd, "A red cat.", "The dog runs."], capture_output=True, text=True)
    assert args.returncode == 0, args.stderr
    assert len(args.stdout.splitlines()) == 2
    stdin = subprocess.run(cmd, input="a\n\nb\n", capture_output=True, text=True)
    assert stdin.returncode == 0 and len(stdin.stdout.split("\n")) == 4


def test_translate_missing_input_is_one_line(model_file):
    proc = subprocess.run(
        [sys.executable, "-m", "zoo", "translate", "--model", str(model_file), "--input", "/nope"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and "/nope" in proc.stderr


def test_eval_bleu_matches_sacrebleu(model_file, tmp_path, toy_pairs):
    src, tgt = toy_pairs
    for lang, lines in (("en", src[:20]), ("fr", tgt[:20])):
        with gzip.open(tmp_path / f"test.{lang}.gz", "wt", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        main,
        [
            "eval",
            str(model_file),
            "--data",
            str(tmp_path),
            "--split",
            "test",
            "--beam",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.strip().splitlines()[-1])
    assert scores["n_sentences"] == 20 and scores["beam"] == 2
    from zoo.api import load

    hyps = load(model_file).translate(src[:20], beam=2)
    expected = sacrebleu.corpus_bleu(hyps, [tgt[:20]])
    assert scores["bleu"] == pytest.approx(expected.score, abs=1e-9)
    assert "13a" in scores["signature"]
