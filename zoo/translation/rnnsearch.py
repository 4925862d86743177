"""RNNsearch (Bahdanau, Cho & Bengio, ICLR 2015) as a Keras task model.

``RNNSearch`` maps ``(source ids, shifted target ids)`` to next-token logits for
teacher-forced training with ``fit``, and translates text with its embedded
:class:`~zoo.translation.tokenizer.SubwordTokenizer`. Saved as ``.keras`` it carries the
tokenizer (archive assets), so ``keras.saving.load_model(path).translate([...])`` just works.

Example:
    >>> tok = SubwordTokenizer.train(english + french, vocab_size=8000)     # doctest: +SKIP
    >>> model = RNNSearch(tokenizer=tok, embedding_dim=620, units=1000)     # the paper's sizes
    >>> model.translate(["A man rides a bike."], beam=5)                    # doctest: +SKIP
    ['Un homme fait du vélo.']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np

from zoo.blocks.config import attributes
from zoo.errors import ZooError
from zoo.translation import losses, schedule  # noqa: F401  (registered: trained models load)
from zoo.translation.decode import DecodeResult, beam_search, greedy_search
from zoo.translation.decoder import DEEP_OUTPUT, AttentionGRUDecoder
from zoo.translation.encoder import BiGRUEncoder
from zoo.translation.subwords import fit_window, pad_ids
from zoo.translation.surface import prepare_all, restore_all
from zoo.translation.tokenizer import SubwordTokenizer


@dataclass
class Alignment:
    """One translated sentence with its attention: ``weights[i, j]`` = target i on source j."""

    source: str
    translation: str
    source_pieces: list[str]
    target_pieces: list[str]
    weights: np.ndarray
    score: float


@keras.saving.register_keras_serializable(package="zoo")
class RNNSearch(keras.Model):
    """The RNNsearch encoder-decoder with additive attention and a maxout deep output.

    Args:
        vocab_size: joint source/target vocabulary size (default: the tokenizer's).
        embedding_dim: word embedding size ``m`` (paper: 620).
        units: GRU units ``n`` of each encoder direction and of the decoder (paper: 1000).
        attention_units: alignment layer size ``n'`` (default ``units``).
        maxout_units: deep output size ``l`` (paper: 500).
        dropout: dropout on embeddings and on the maxout output while training.
        tie_embeddings: output projection = target embedding (needs ``maxout_units ==
            embedding_dim``).
        tokenizer: the :class:`SubwordTokenizer` used by :meth:`translate`.
        source_language, target_language: language codes (e.g. ``"en"``, ``"de"``), saved
            with the model so evaluation reads the right files.

    ``call((src_ids, tgt_in_ids))`` returns logits ``(B, Tt, vocab_size)``; 0 is padding.
    """

    def __init__(
        self,
        vocab_size: int | None = None,
        embedding_dim: int = 620,
        units: int = 1000,
        attention_units: int | None = None,
        maxout_units: int = 500,
        dropout: float = 0.0,
        tie_embeddings: bool = False,
        tokenizer: SubwordTokenizer | dict | None = None,
        source_language: str | None = None,
        target_language: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(tokenizer, dict):
            tokenizer = keras.saving.deserialize_keras_object(tokenizer)
        if vocab_size is None:
            if tokenizer is None:
                raise ZooError("RNNSearch needs vocab_size or a tokenizer")
            vocab_size = tokenizer.vocab_size
        self.vocab_size = int(vocab_size)
        self.embedding_dim = int(embedding_dim)
        self.units = int(units)
        self.attention_units = int(attention_units or units)
        self.maxout_units = int(maxout_units)
        self.dropout = float(dropout)
        self.tie_embeddings = bool(tie_embeddings)
        self.tokenizer = tokenizer
        self.source_language = source_language
        self.target_language = target_language
        self.encoder = BiGRUEncoder(
            self.vocab_size,
            self.embedding_dim,
            self.units,
            decoder_units=self.units,
            dropout=self.dropout,
            name="encoder",
        )
        self.decoder = AttentionGRUDecoder(
            self.vocab_size,
            context_dim=self.encoder.annotation_dim,
            **attributes(self, DEEP_OUTPUT),
            name="decoder",
        )
        self.build()

    task = "translation"

    @property
    def languages(self) -> tuple[str, str] | None:
        """``(source, target)`` language codes, when known."""
        if self.source_language and self.target_language:
            return self.source_language, self.target_language
        return None

    def architecture_name(self) -> str:
        """The registry name this model is rebuilt with."""
        return "rnnsearch"

    def build(self, input_shape=None):
        self.encoder.build()
        self.decoder.build()
        self.built = True

    def call(self, inputs, training=None):
        src_ids, tgt_in = inputs
        annotations, state, mask = self.encoder(src_ids, training=training)
        logits, _ = self.decoder(tgt_in, annotations, mask, state, training=training)
        return logits

    def teacher_forced_attention(self, src_ids, tgt_in) -> np.ndarray:
        """Attention weights ``(B, Tt, Ts)`` while reading a given target (no search)."""
        annotations, state, mask = self.encoder(src_ids, training=False)
        _, weights = self.decoder(tgt_in, annotations, mask, state, training=False)
        return keras.ops.convert_to_numpy(weights)

    # -- translation -------------------------------------------------------------------------
    def _tokenizer(self) -> SubwordTokenizer:
        if self.tokenizer is None:
            raise ZooError("this RNNSearch model has no tokenizer; pass tokenizer=... to build it")
        return self.tokenizer

    def search(self, src_ids, beam: int = 5, n_best: int = 1, **settings) -> DecodeResult:
        """Decode a padded id batch: greedy when ``beam == 1``, else beam search.

        ``settings``: ``length_penalty`` (``"gnmt"``), ``alpha`` (0.6), ``max_ratio`` (1.5) and
        ``max_extra`` (5), as :func:`~zoo.translation.decode.beam_search` takes them.
        """
        if beam == 1 and n_best == 1:
            return greedy_search(self, src_ids, **settings)
        return beam_search(self, src_ids, beam, n_best, **settings)

    def _decode_texts(self, texts: Sequence[str], batch_size: int, length_multiple: int, **search):
        """Yield ``(index, ids, DecodeResult row)`` for every non-empty input, by length."""
        tok = self._tokenizer()
        encoded = tok.encode(texts, add_eos=True)
        order = sorted(
            (i for i, ids in enumerate(encoded) if len(ids) > 1), key=lambda i: len(encoded[i])
        )
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            src = pad_ids([encoded[i] for i in chunk], length_multiple)
            result = self.search(src, **search)
            for row, i in enumerate(chunk):
                yield i, encoded[i], DecodeResult(*(x[row] for x in vars(result).values()))

    def translate(
        self,
        texts: Sequence[str],
        beam: int = 5,
        n_best: int = 1,
        length_penalty: str = "gnmt",
        alpha: float = 0.6,
        max_ratio: float = 1.5,
        max_extra: int = 5,
        batch_size: int = 32,
        length_multiple: int = 8,
        progress: bool = False,
    ) -> list[str] | list[list[str]]:
        """Translate ``texts``; one output per input (an empty input gives ``""``).

        With ``n_best > 1`` each output is the list of the ``n_best`` best translations. A
        single string is taken as a list of one. A line longer than the tokenizer's window is
        split at sentence ends (else clauses, else word windows), the pieces translated one by
        one and joined with spaces, so nothing of it is lost. ``progress`` shows a
        :mod:`zoo.progress` display of the pieces done.
        """
        from zoo.progress import Progress

        texts = [texts] if isinstance(texts, str) else list(texts)
        prepared, texts = prepare_all(texts)
        tok = self._tokenizer()
        pieces, owners = self._fit_window(texts)
        outputs: list = [[""] * n_best for _ in pieces]
        search = dict(
            beam=beam,
            n_best=n_best,
            length_penalty=length_penalty,
            alpha=alpha,
            max_ratio=max_ratio,
            max_extra=max_extra,
        )
        bar = Progress(len(pieces), "translate", "line") if progress else None
        for i, _, row in self._decode_texts(pieces, batch_size, length_multiple, **search):
            outputs[i] = tok.decode(list(row.tokens))
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.update(len(pieces) - bar.count)  # the empty lines
            bar.close()
        joined: list = [[[] for _ in range(n_best)] for _ in texts]
        for owner, ranked in zip(owners, outputs, strict=True):
            for rank, text in enumerate(ranked):
                if text:
                    joined[owner][rank].append(text)
        joined = [[" ".join(parts) for parts in ranked] for ranked in joined]
        if n_best == 1:
            return restore_all(prepared, [o[0] for o in joined])
        return restore_all(prepared, joined, n_best)

    def _fit_window(self, texts: Sequence[str]) -> tuple[list[str], list[int]]:
        """Lines longer than the tokenizer's window split into pieces that fit (see
        :mod:`zoo.translation.long_lines`); returns the pieces and each piece's line index."""
        tok = self._tokenizer()
        return fit_window(texts, tok.count, tok.max_tokens - 2)

    def alignments(
        self,
        texts: Sequence[str],
        beam: int = 1,
        batch_size: int = 32,
        length_multiple: int = 8,
        **search,
    ) -> list[Alignment]:
        """Translate ``texts`` and return each sentence's attention matrix.

        ``weights`` has one row per emitted target piece (eos included) and one column per
        source piece (eos included).
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        tok = self._tokenizer()
        out = [Alignment(str(t), "", [], [], np.zeros((0, 0), np.float32), 0.0) for t in texts]
        search = dict(beam=beam, n_best=1, **search)
        for i, src, row in self._decode_texts(texts, batch_size, length_multiple, **search):
            length = int(row.lengths[0])
            ids = [int(x) for x in row.tokens[0, :length]]
            out[i] = Alignment(
                source=str(texts[i]),
                translation=tok.decode(ids),
                source_pieces=tok.id_to_piece(src),
                target_pieces=tok.id_to_piece(ids),
                weights=row.attention[0, :length, : len(src)],
                score=float(row.scores[0]),
            )
        return out

    # -- serialization ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        names = ("vocab_size", *DEEP_OUTPUT, "source_language", "target_language")
        tokenizer = self.tokenizer
        if tokenizer is not None:
            tokenizer = keras.saving.serialize_keras_object(tokenizer)
        return {**super().get_config(), **attributes(self, names), "tokenizer": tokenizer}
