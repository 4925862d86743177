"""Text as people write it, around the model: emoji carried over, shouted lines translated.

The models learned from Tatoeba and news text, which holds almost no emoji and few lines in
capitals. :func:`prepare` takes such parts out of a line before translation and gives back a
function that puts them into the translation:

- **emoji and pictographs** (with their skin-tone modifiers, joiners and variation
  selectors) are removed from the text the model reads; those at the start of the line go
  back to the start, those at the end to the end, and one in the middle after the word at the
  same relative position of the translation;
- **a line in capitals** (at least two words, every cased letter upper case) is translated
  in sentence case and the translation returned in capitals.

Numbers, names, quotes and punctuation are left to the model, which copies them.

Example:
    >>> line = prepare("GOOD MORNING 😀")
    >>> line.text
    'Good morning'
    >>> line.restore("bonjour")
    'BONJOUR 😀'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# pictographs, dingbats and symbols, flags, keycaps; then what binds them into one emoji
_PICTOGRAPH = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\U0001f1e6-\U0001f1ff\u3030\u303d"
)
_BINDERS = "\u200d\ufe0f\ufe0e\u20e3\U0001f3fb-\U0001f3ff"
EMOJI_RUN = re.compile(f"[{_PICTOGRAPH}](?:[{_BINDERS}]|\\s*[{_PICTOGRAPH}])*")


@dataclass
class PreparedLine:
    """The text the model reads and what goes back into its translation."""

    text: str
    shouted: bool = False
    leading: str = ""
    trailing: str = ""
    inner: list[tuple[float, str]] = field(default_factory=list)  # (relative place, emoji)

    def restore(self, translation: str) -> str:
        """``translation`` with the line's capitals and emoji put back."""
        out = translation.upper() if self.shouted else translation
        if self.inner:
            words = out.split(" ") if out else []
            count = len(words)
            for place, emoji in sorted(self.inner, reverse=True):
                at = min(count, max(1, round(place * count)))
                words.insert(at, emoji)
            out = " ".join(words)
        parts = [self.leading, out, self.trailing]
        return " ".join(p for p in parts if p)


def _is_shouted(text: str) -> bool:
    cased = [c for c in text if c.isalpha() and (c.isupper() or c.islower())]
    return len(text.split()) >= 2 and len(cased) >= 4 and all(c.isupper() for c in cased)


def _sentence_case(text: str) -> str:
    lowered = text.lower()
    for i, char in enumerate(lowered):
        if char.isalpha():
            lowered = lowered[:i] + char.upper() + lowered[i + 1 :]
            break
    return re.sub(r"\bi\b", "I", lowered)  # English "I"; harmless elsewhere


def prepare(line: str) -> PreparedLine:
    """Split ``line`` into the text for the model and what :meth:`PreparedLine.restore`
    puts back (see the module docstring)."""
    prepared = PreparedLine(text=line)
    matches = list(EMOJI_RUN.finditer(line))
    if matches:
        total = len(EMOJI_RUN.sub(" ", line).split())
        kept, cursor = [], 0
        for match in matches:
            kept.append(line[cursor : match.start()].rstrip())  # with the space before it
            cursor = match.end()
            emoji, before = match.group().strip(), "".join(kept)
            rest = line[cursor:]
            if not before.strip():
                prepared.leading = f"{prepared.leading} {emoji}".strip()
            elif not rest.strip() or all(_is_punctuation(c) for c in rest.strip()):
                prepared.trailing = f"{prepared.trailing} {emoji}".strip()
            else:
                place = len(before.split()) / max(total, 1)
                prepared.inner.append((place, emoji))
        kept.append(line[cursor:])
        prepared.text = re.sub(r"\s+", " ", "".join(kept)).strip()
    if _is_shouted(prepared.text):
        prepared.shouted = True
        prepared.text = _sentence_case(prepared.text)
    return prepared


def _is_punctuation(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def prepare_all(texts: list[str]) -> tuple[list[PreparedLine], list[str]]:
    """:func:`prepare` for every line: ``(prepared lines, texts for the model)``."""
    prepared = [prepare(text) for text in texts]
    return prepared, [line.text for line in prepared]


def restore_all(prepared: list[PreparedLine], outputs: list, n_best: int = 1) -> list:
    """Each output (an n-best list when ``n_best > 1``) with its line's parts put back;
    an empty output (an empty line) stays empty."""

    def one(line: PreparedLine, text: str) -> str:
        return line.restore(text) if text or line.leading or line.trailing else text

    if n_best == 1:
        return [one(line, out) for line, out in zip(prepared, outputs, strict=True)]
    return [[one(line, o) for o in outs] for line, outs in zip(prepared, outputs, strict=True)]
