"""Lines longer than the model's window: split, translate piece by piece, join back.

The tokenizer cuts an encoding at ``max_tokens`` (the window the model was trained with);
anything past it would be lost. :func:`split_to_window` cuts a line that does not fit into
pieces that do: at sentence ends first (``.``, ``!``, ``?``, ``…`` followed by a space), then,
for a sentence still too long, at clause marks (``,``, ``;``, ``:``), and last in windows of
whole words (characters for a single giant word). Each piece is translated on its own and the
translations are joined with a space, so one input line still gives one output line.

:func:`clean_line` removes what a model cannot use (NUL bytes, other control characters) and
says what it removed, so a command can name the line.

Example:
    >>> split_sentences("A dog runs. Two men sit!  A cat?")
    ['A dog runs.', 'Two men sit!', 'A cat?']
    >>> split_to_window("a b c d e", lambda s: len(s.split()), 2)
    ['a b', 'c d', 'e']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# A sentence ends at . ! ? or … (closing quotes/brackets may follow) before whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
_KEEP_CONTROLS = "\t"


def split_sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end; empty pieces dropped.

    Example:
        >>> split_sentences('He said "hi." Then left.')
        ['He said "hi."', 'Then left.']
    """
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group(0).rstrip())  # closing quotes stay
        pieces.append(text[start:end])
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def split_to_window(text: str, count: Callable[[str], int], room: int) -> list[str]:
    """``text`` as it is when ``count(text) <= room``, else pieces that each fit ``room``.

    ``count`` gives the number of tokens of a string (the tokenizer's pieces, no bos/eos).

    Example:
        >>> split_to_window("One. Two three four.", lambda s: len(s.split()), 3)
        ['One.', 'Two three four.']
    """
    text = text.strip()
    if not text or count(text) <= room:
        return [text] if text else []
    out: list[str] = []
    for sentence in split_sentences(text):
        if count(sentence) <= room:
            out.append(sentence)
            continue
        for clause in _pack(_CLAUSE_END.split(sentence), count, room):
            out.extend([clause] if count(clause) <= room else _words(clause, count, room))
    return out


def _pack(parts: list[str], count: Callable[[str], int], room: int) -> list[str]:
    """Join consecutive ``parts`` with spaces while the result fits ``room``."""
    packed: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if packed and count(f"{packed[-1]} {part}") <= room:
            packed[-1] = f"{packed[-1]} {part}"
        else:
            packed.append(part)
    return packed


def _words(text: str, count: Callable[[str], int], room: int) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if count(word) > room:  # one giant "word": cut it into character windows
            out.extend(_chars(word, count, room))
            continue
        if out and count(f"{out[-1]} {word}") <= room:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return out


def _chars(word: str, count: Callable[[str], int], room: int) -> list[str]:
    out: list[str] = []
    start = 0
    while start < len(word):
        lo, hi = start + 1, len(word)
        while lo < hi:  # the longest prefix that fits
            mid = (lo + hi + 1) // 2
            if count(word[start:mid]) <= room:
                lo = mid
            else:
                hi = mid - 1
        out.append(word[start:lo])
        start = lo
    return out


def clean_line(text: str) -> tuple[str, list[str]]:
    """``text`` without NUL bytes and control characters, and what was removed.

    Tabs and other spacing become one space; format characters (zero-width joiners and the
    like) are kept.

    Example:
        >>> clean_line("a\\x00b\\x07c\\td")
        ('abc d', ['NUL byte', 'control character U+0007'])
    """
    found: dict[str, None] = {}
    kept = []
    for ch in text:
        if ch == "\x00":
            found["NUL byte"] = None
        elif ch in _KEEP_CONTROLS or ch in "\r\n\v\f\x85\u2028\u2029":
            kept.append(" ")
        elif unicodedata.category(ch) == "Cc":
            found[f"control character U+{ord(ch):04X}"] = None
        else:
            kept.append(ch)
    return "".join(kept), list(found)
