"""A SentencePiece subword tokenizer that travels inside a saved ``.keras`` model.

The project trains one joint (source + target) SentencePiece model on the training text.
:class:`SubwordTokenizer` is a weightless Keras layer holding the serialized SentencePiece
model; when it is an attribute of a model, ``model.save("m.keras")`` writes the SentencePiece
model into the archive's assets (``save_assets``) and ``keras.saving.load_model`` reads it back
(``load_assets``), so a saved translation model carries its tokenizer.

Ids: 0 = pad, 1 = unk, 2 = bos, 3 = eos. Byte fallback is on, so any Unicode text (emoji, other
scripts) encodes without ``<unk>`` and decodes back.

Example:
    >>> tok = SubwordTokenizer.train(["a small corpus", "ein kleiner Korpus"], vocab_size=300)
    >>> ids = tok.encode("a small corpus")           # [..., 3]  (ends with eos)
    >>> tok.decode(ids)
    'a small corpus'
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import keras
import numpy as np

from zoo.errors import DataError, ZooError
from zoo.translation.subwords import BOS_ID, EOS_ID, PAD_ID, UNK_ID, SubwordCodec, clean_text

__all__ = ["BOS_ID", "EOS_ID", "PAD_ID", "UNK_ID", "SubwordTokenizer", "clean_text"]

ASSET_NAME = "sentencepiece.model"


def _spm():
    import sentencepiece

    return sentencepiece


def train_sentencepiece(
    texts: Iterable[str],
    vocab_size: int = 8000,
    model_type: str = "unigram",
    character_coverage: float = 1.0,
    max_sentences: int = 2_000_000,
    max_chars: int = 1000,
    num_threads: int = 2,
) -> bytes:
    """Train a SentencePiece model on ``texts`` and return its serialized proto.

    ``vocab_size`` is an upper bound: a small corpus gives a smaller vocabulary instead of an
    error. Empty lines are skipped and lines are cut to ``max_chars`` characters.
    """
    if model_type not in ("unigram", "bpe"):
        raise ZooError(f"sentencepiece model_type {model_type!r}: use 'unigram' or 'bpe'")
    lines = [t[:max_chars] for t in (clean_text(x).strip() for x in texts) if t]
    if not lines:
        raise DataError("sentencepiece training text: no non-empty line to train on")
    buffer = io.BytesIO()
    spm = _spm()
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_writer=buffer,
            vocab_size=int(vocab_size),
            model_type=model_type,
            character_coverage=character_coverage,
            byte_fallback=True,
            pad_id=PAD_ID,
            unk_id=UNK_ID,
            bos_id=BOS_ID,
            eos_id=EOS_ID,
            hard_vocab_limit=False,
            input_sentence_size=int(max_sentences),
            shuffle_input_sentence=True,
            max_sentence_length=4 * max_chars + 16,
            num_threads=num_threads,
            minloglevel=2,
        )
    except RuntimeError as exc:  # e.g. a vocabulary too small for the byte pieces
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ZooError(
            f"sentencepiece training failed (vocab_size={vocab_size}): {first}"
        ) from None
    return buffer.getvalue()


@keras.saving.register_keras_serializable(package="zoo")
class SubwordTokenizer(keras.layers.Layer):
    """SentencePiece encode/decode as a weightless Keras layer saved with its model.

    Args:
        proto: the serialized SentencePiece model (``None`` until loaded from assets).
        max_chars: longer inputs are cut to this many characters (warned once on stderr).
        max_tokens: encodings are cut to this many ids, bos/eos included (warned once).

    Encoding and decoding are Python (eager) operations, not graph ops.
    """

    def __init__(
        self, proto: bytes | None = None, max_chars: int = 1000, max_tokens: int = 256, **kwargs
    ):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.max_chars = int(max_chars)
        self.max_tokens = int(max_tokens)
        if self.max_tokens < 3:
            raise ZooError(f"SubwordTokenizer: max_tokens={max_tokens} must be at least 3")
        self._processor = None
        self._proto: bytes | None = None
        self._codec: SubwordCodec | None = None
        if proto is not None:
            self.set_proto(proto)
        self.built = True

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def train(
        cls, texts: Iterable[str], vocab_size: int = 8000, model_type: str = "unigram", **kwargs
    ) -> SubwordTokenizer:
        """Train a joint SentencePiece model on ``texts`` (source and target lines together)."""
        train_keys = ("character_coverage", "max_sentences", "num_threads")
        options = {k: kwargs.pop(k) for k in train_keys if k in kwargs}
        proto = train_sentencepiece(
            texts,
            vocab_size,
            model_type,
            max_chars=kwargs.get("max_chars", 1000),
            **options,
        )
        return cls(proto, **kwargs)

    @classmethod
    def from_file(cls, path: str | Path, **kwargs) -> SubwordTokenizer:
        """Load a ``.model`` file written by SentencePiece or :meth:`save_model`."""
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: sentencepiece model not found")
        return cls(path.read_bytes(), **kwargs)

    def set_proto(self, proto: bytes) -> None:
        """Use the serialized SentencePiece model ``proto``."""
        self._codec = SubwordCodec(proto, self.max_chars, self.max_tokens)
        self._processor = self._codec.processor
        self._proto = bytes(proto)

    def save_model(self, path: str | Path) -> Path:
        """Write the SentencePiece model to ``path`` (usable by ``spm_encode``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.proto)
        return path

    @property
    def proto(self) -> bytes:
        """The serialized SentencePiece model."""
        self._check()
        return self._proto

    @property
    def vocab_size(self) -> int:
        """Number of ids (pieces), pad/unk/bos/eos and byte pieces included."""
        self._check()
        return self._codec.vocab_size

    def _check(self) -> None:
        if self._codec is None:
            raise ZooError("SubwordTokenizer has no sentencepiece model; train or load one first")
        self._codec.max_chars, self._codec.max_tokens = self.max_chars, self.max_tokens

    def encode(
        self, texts: str | Sequence[str], add_bos: bool = False, add_eos: bool = True
    ) -> list[int] | list[list[int]]:
        """Encode one text (-> list of ids) or a list of texts (-> one list per text).

        Never fails on odd input; each encoding has at most ``max_tokens`` ids and keeps its
        eos when ``add_eos``.
        """
        self._check()
        single = isinstance(texts, (str, bytes)) or texts is None
        out = self._codec.encode([texts] if single else list(texts), add_bos, add_eos)
        return out[0] if single else out

    def count(self, text: str) -> int:
        """Number of pieces ``text`` encodes to (no bos/eos, before any cut).

        Example:
            >>> tokenizer.count("A dog runs.")  # doctest: +SKIP
            5
        """
        self._check()
        return self._codec.count(text)

    def decode(self, ids) -> str | list[str]:
        """Detokenize one id sequence (-> str) or a batch (-> list of str).

        Stops at the first eos and skips pad, bos and out-of-range ids.
        """
        self._check()
        array = ids if isinstance(ids, np.ndarray) else None
        single = (array is not None and array.ndim == 1) or (
            array is None and (len(ids) == 0 or np.ndim(ids[0]) == 0)
        )
        batch = [ids] if single else list(ids)
        texts = self._codec.decode(batch)
        return texts[0] if single else texts

    def pieces(self, text: str, add_eos: bool = True) -> list[str]:
        """The subword pieces of ``text`` as the model sees them (for plots)."""
        return self.id_to_piece(self.encode(text, add_eos=add_eos))

    def id_to_piece(self, ids: Iterable[int]) -> list[str]:
        """Piece strings of ``ids`` (``<pad>``, ``</s>`` ... for the special ids)."""
        self._check()
        size = self.vocab_size
        return [self._processor.id_to_piece(int(i)) if 0 <= int(i) < size else "<?>" for i in ids]

    # -- Keras saving -----------------------------------------------------------------------
    def save_assets(self, dir_path: str) -> None:
        """Write the SentencePiece model into the ``.keras`` archive."""
        if self._proto is not None:
            (Path(dir_path) / ASSET_NAME).write_bytes(self._proto)

    def load_assets(self, dir_path: str) -> None:
        """Read the SentencePiece model back from the ``.keras`` archive."""
        path = Path(dir_path) / ASSET_NAME
        if path.is_file():
            self.set_proto(path.read_bytes())

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_chars=self.max_chars, max_tokens=self.max_tokens)
        return config
