"""SentencePiece encode/decode in plain Python + numpy: the codec behind every translator.

:class:`SubwordCodec` is what :class:`zoo.translation.tokenizer.SubwordTokenizer` (the Keras
layer saved inside ``.keras`` models) runs, and what exported translators (ONNX, LiteRT,
SavedModel) run without TensorFlow or Keras, so both cut, encode, split and decode text the
same way. :func:`fit_window` splits lines longer than the model's window into pieces
(:mod:`zoo.translation.long_lines`).

Ids: 0 = pad, 1 = unk, 2 = bos, 3 = eos.

Example:
    >>> codec = SubwordCodec(Path("m.model").read_bytes(), max_tokens=64)  # doctest: +SKIP
    >>> codec.decode(codec.encode(["A dog runs."])[0])  # doctest: +SKIP
    'A dog runs.'
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import numpy as np

from zoo.errors import DataError, ZooError
from zoo.translation.long_lines import clean_line, split_to_window

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3


def clean_text(text: object) -> str:
    """Make any input a valid one-line Python ``str`` (``None`` -> ``""``, bytes decoded).

    Lone surrogates become ``?`` and line breaks / tabs become spaces.

    Example:
        >>> clean_text(b"a\\nb")
        'a b'
    """
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    text = text.encode("utf-8", "replace").decode("utf-8")
    for ch in "\r\n\t\v\f\x85\u2028\u2029":
        text = text.replace(ch, " ")
    return text


class SubwordCodec:
    """A serialized SentencePiece model with zoo's cuts: ``max_chars`` characters in,
    ``max_tokens`` ids out (bos/eos included; eos kept). Warnings go to stderr once each.

    Example:
        >>> codec = SubwordCodec(proto, max_tokens=64)  # doctest: +SKIP
        >>> codec.encode(["Two dogs."])                 # doctest: +SKIP
        [[412, 1033, 5, 3]]
    """

    def __init__(self, proto: bytes, max_chars: int = 1000, max_tokens: int = 256):
        import sentencepiece

        self.max_chars = int(max_chars)
        self.max_tokens = int(max_tokens)
        if self.max_tokens < 3:
            raise ZooError(f"SubwordTokenizer: max_tokens={max_tokens} must be at least 3")
        processor = sentencepiece.SentencePieceProcessor()
        try:
            processor.LoadFromSerializedProto(bytes(proto))
        except (RuntimeError, TypeError, OSError):
            raise DataError("sentencepiece model: not a valid serialized model") from None
        if processor.pad_id() != PAD_ID or processor.eos_id() != EOS_ID:
            raise DataError(
                "sentencepiece model: expected pad_id=0 and eos_id=3; train it with "
                "SubwordTokenizer.train"
            )
        self.processor = processor
        self.proto = bytes(proto)
        self.vocab_size = int(processor.get_piece_size())
        self._warned: set[str] = set()

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            print(f"warning: {message}", file=sys.stderr)

    def _prepare(self, text: object) -> str:
        text = clean_text(text)
        if len(text) > self.max_chars:
            self._warn_once("chars", f"input cut to {self.max_chars} characters (max_chars)")
            text = text[: self.max_chars]
        return text

    def encode(
        self, texts: Sequence, add_bos: bool = False, add_eos: bool = True
    ) -> list[list[int]]:
        """One id list per text, each at most ``max_tokens`` long (eos kept when added)."""
        pieces = self.processor.encode([self._prepare(t) for t in texts], out_type=int)
        room = self.max_tokens - int(add_bos) - int(add_eos)
        out = []
        for ids in pieces:
            if len(ids) > room:
                self._warn_once("tokens", f"encoding cut to {self.max_tokens} tokens (max_tokens)")
                ids = ids[:room]
            out.append(([BOS_ID] if add_bos else []) + list(ids) + ([EOS_ID] if add_eos else []))
        return out

    def count(self, text: str) -> int:
        """Number of pieces ``text`` encodes to (no bos/eos, before any cut)."""
        return len(self.processor.encode(clean_text(text), out_type=int))

    def strip(self, ids: Iterable[int]) -> list[int]:
        """``ids`` up to the first eos, without pad, bos and out-of-range ids."""
        kept = []
        for i in np.asarray(ids, dtype=np.int64).reshape(-1).tolist():
            if i == EOS_ID:
                break
            if i in (PAD_ID, BOS_ID) or not 0 <= i < self.vocab_size:
                continue
            kept.append(int(i))
        return kept

    def decode(self, batch: Sequence) -> list[str]:
        """One text per id sequence (see :meth:`strip`)."""
        return list(self.processor.decode([self.strip(x) for x in batch]))

    def fit_window(self, texts: Sequence) -> tuple[list[str], list[int]]:
        """:func:`fit_window` with this codec's count and window."""
        return fit_window(texts, self.count, self.max_tokens - 2)


def fit_window(texts: Sequence, count, room: int) -> tuple[list[str], list[int]]:
    """Each text cleaned, and split into pieces of at most ``room`` subwords when longer
    (:func:`zoo.translation.long_lines.split_to_window`); returns the pieces and the index of
    the text each came from (an empty text gives one empty piece).

    Example:
        >>> fit_window(["a b c", ""], lambda s: len(s.split()), 2)
        (['a b', 'c', ''], [0, 0, 1])
    """
    pieces, owners = [], []
    for i, text in enumerate(texts):
        text = clean_line(clean_text(text))[0]
        parts = split_to_window(text, count, room) if text.strip() else [text]
        pieces += parts or [""]
        owners += [i] * max(len(parts), 1)
    return pieces, owners


def join_pieces(outputs: Sequence[str], owners: Sequence[int], n: int) -> list[str]:
    """The translations of the pieces of :func:`fit_window`, joined back into ``n`` lines.

    Example:
        >>> join_pieces(["A", "b", ""], [0, 0, 1], 2)
        ['A b', '']
    """
    joined: list[list[str]] = [[] for _ in range(n)]
    for owner, text in zip(owners, outputs, strict=True):
        if text:
            joined[owner].append(text)
    return [" ".join(parts) for parts in joined]


def pad_ids(rows: Sequence[Sequence[int]], length_multiple: int = 1) -> np.ndarray:
    """``rows`` of token ids as one int32 batch, 0-padded to the longest row rounded up to a
    multiple of ``length_multiple`` (fewer distinct shapes to compile or re-plan).

    Example:
        >>> pad_ids([[5, 3], [7, 8, 9, 3]], 8).shape
        (2, 8)
    """
    width = max(len(r) for r in rows)
    width = -(-width // length_multiple) * length_multiple
    batch = np.zeros((len(rows), width), np.int32)
    for i, r in enumerate(rows):
        batch[i, : len(r)] = r
    return batch
