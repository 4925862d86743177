"""Long lines are split to the model's window and joined back; odd characters are named."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zoo.translation.long_lines import clean_line, split_sentences, split_to_window

ROOT = Path(__file__).resolve().parents[2]


def words(text: str) -> int:
    return len(text.split())


def test_split_sentences_keeps_every_character_but_spaces():
    text = 'A dog runs. "Two men sit!"  Why? Done… end'
    pieces = split_sentences(text)
    assert pieces == ["A dog runs.", '"Two men sit!"', "Why?", "Done…", "end"]
    assert " ".join(pieces).split() == text.split()


def test_split_to_window_falls_back_to_clauses_then_words():
    long = "one two three, four five six, seven eight nine ten eleven twelve."
    pieces = split_to_window(f"Short one. {long}", words, 4)
    assert all(words(p) <= 4 for p in pieces)
    assert " ".join(pieces).split() == f"Short one. {long}".split()
    assert pieces[0] == "Short one."
    assert split_to_window("fits as is. yes", words, 10) == ["fits as is. yes"]


def test_giant_word_is_cut_into_character_windows():
    pieces = split_to_window("x" * 25, len, 10)
    assert pieces == ["x" * 10, "x" * 10, "x" * 5]


def test_clean_line_names_what_it_removed():
    assert clean_line("a\x00b\x1bc\x7fd\te") == (
        "abcd e",
        ["NUL byte", "control character U+001B", "control character U+007F"],
    )
    assert clean_line("Straße") == ("Straße", [])


@pytest.mark.data
@pytest.mark.slow
def test_zoo_translate_paragraph_and_odd_bytes(zoo_data, tmp_path):
    with gzip.open(zoo_data / "multi30k" / "val.en.gz", "rt", encoding="utf-8") as f:
        sentences = [next(f).strip() for _ in range(8)]
    paragraph = " ".join(sentences)
    lines = [
        paragraph.encode(),
        b"A dog\x00 runs on the grass.",
        b"A man \xff\xfe rides a bike.",
        b"Two children \x07play in the snow.",
        b"",
        sentences[4].encode(),
    ]
    source = tmp_path / "in.txt"
    source.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "translate", "--input", str(source), "--output", str(out)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    got = out.read_text(encoding="utf-8").split("\n")
    assert got[-1] == "" and len(got) == len(lines) + 1
    assert got[4] == "" and all(got[i] for i in (0, 1, 2, 3, 5))
    # the paragraph comes back whole: about as many words as its sentences one by one
    assert words(got[0]) > 0.7 * sum(words(s) for s in sentences), got[0]
    assert got[0].count(".") >= 5
    err = result.stderr
    assert f"{source}:2: NUL byte removed" in err
    assert f"{source}:3: invalid UTF-8 (replaced)" in err
    assert f"{source}:4: control character U+0007 removed" in err
    assert ":1:" not in err and ":6:" not in err and "cut" not in err
