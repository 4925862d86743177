"""Exported translation models as zoo models: ``translate`` over SentencePiece + a runtime.

Text goes through :class:`zoo.translation.subwords.SubwordCodec` exactly as in the Keras
model (cleaning, long lines split to the window, encoding, sorting by length into batches
padded to a multiple of 8, decoding, joining back). Then:

- ONNX / LiteRT: the file is the encoder; ``STEM.decoder_step.onnx|.tflite`` next to it is
  one decoder step, and the beam search runs in numpy (:mod:`zoo.translation.numpy_search`),
  so beam size and length penalty can be chosen at each call. Neither TensorFlow nor Keras
  is imported.
- SavedModel: the search is inside the file (beam and penalty fixed at export).

Example:
    >>> model = zoo.load("en_de.onnx")                       # doctest: +SKIP
    >>> model.translate(["Two dogs are playing in the snow."])  # doctest: +SKIP
    ['Zwei Hunde spielen im Schnee.']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zoo.errors import WeightsError, ZooError
from zoo.runtime.exported import ExportedModel

SEARCH_DEFAULTS = {
    "beam": 5,
    "length_penalty": "gnmt",
    "alpha": 0.6,
    "max_ratio": 1.5,
    "max_extra": 5,
}


class ExportedTranslator(ExportedModel):
    """An exported translation model: ``translate`` as :meth:`RNNSearch.translate`."""

    task = "translation"

    def __init__(self, runner):
        super().__init__(runner)
        from zoo.runtime.runners import open_runner
        from zoo.translation.subwords import SubwordCodec

        meta = self.metadata
        languages = meta.get("languages")
        self.languages = tuple(languages) if languages else None
        self.search = {**SEARCH_DEFAULTS, **(meta.get("search") or {})}
        files = meta.get("files") or {}
        if runner.fmt == "tf_saved_model":
            spm_path, self.step_runner = runner.assets / "sentencepiece.model", None
        else:
            folder = Path(runner.path).parent
            if "decoder_step" not in files:
                raise ZooError(f"{runner.path}: metadata names no decoder-step file")
            spm_path = folder / files["sentencepiece"]
            step_path = folder / files["decoder_step"]
            for path in (spm_path, step_path):
                if not path.is_file():
                    raise WeightsError(f"{path}: missing (it goes next to {runner.path})")
            self.step_runner = open_runner(step_path, runner.fmt, getattr(runner, "threads", None))
        self.codec = SubwordCodec(
            spm_path.read_bytes(),
            max_chars=int(meta.get("max_chars", 1000)),
            max_tokens=int(meta.get("max_tokens", 256)),
        )

    def _settings(self, given: dict) -> dict:
        """The search settings of a call: the file's defaults, overridden where the runtime
        allows (ONNX / LiteRT); a SavedModel refuses settings other than its own."""
        settings = dict(self.search)
        for key, value in given.items():
            if key not in SEARCH_DEFAULTS:
                raise TypeError(f"unknown translate() setting {key!r}")
            if value is None:
                continue
            if self.step_runner is None and value != self.search[key]:
                raise ZooError(
                    f"{key}={value}: fixed at export ({self.search[key]}) in a SavedModel"
                )
            settings[key] = value
        return settings

    def _search(self, src: np.ndarray, settings: dict, n_best: int) -> np.ndarray:
        """Token ids ``(B, n_best, L)`` of a padded source batch, best first."""
        if self.step_runner is None:
            return self.runner.run(source_ids=src)["tokens"][:, None]
        from zoo.translation.numpy_search import beam_search

        tokens, _, _ = beam_search(
            lambda ids: self.runner.run(source_ids=ids),
            self.step_runner.run,
            src,
            beam=int(settings["beam"]),
            kind=settings["length_penalty"],
            alpha=float(settings["alpha"]),
            max_ratio=float(settings["max_ratio"]),
            max_extra=int(settings["max_extra"]),
        )
        return tokens[:, :n_best]

    def translate(
        self,
        texts: Sequence[str] | str,
        beam: int | None = None,
        n_best: int = 1,
        batch_size: int = 32,
        length_multiple: int = 8,
        progress: bool = False,
        **search,
    ) -> list[str] | list[list[str]]:
        """Translate ``texts``; one output per input (``""`` for an empty one), long lines
        split at sentence ends and joined back, as the Keras model does.

        ``beam``, ``length_penalty``, ``alpha``, ``max_ratio``, ``max_extra`` default to the
        file's ``metadata["search"]``; ``n_best > 1`` gives lists (ONNX / LiteRT only).
        """
        from zoo.translation.subwords import fit_window, join_pieces, pad_ids
        from zoo.translation.surface import prepare_all, restore_all

        settings = self._settings({"beam": beam, **search})
        if n_best > 1 and (self.step_runner is None or n_best > settings["beam"]):
            raise ZooError(f"n_best={n_best}: needs an ONNX / LiteRT file and n_best <= beam")
        texts = [texts] if isinstance(texts, str) else list(texts)
        prepared, texts = prepare_all(texts)
        codec = self.codec
        pieces, owners = fit_window(texts, codec.count, codec.max_tokens - 2)
        encoded = codec.encode(pieces, add_eos=True)
        order = sorted(
            (i for i, ids in enumerate(encoded) if len(ids) > 1), key=lambda i: len(encoded[i])
        )
        outputs = [[""] * n_best for _ in pieces]
        bar = None
        if progress:
            from zoo.progress import Progress

            bar = Progress(len(pieces), "translate", "line")
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            src = pad_ids([encoded[i] for i in chunk], length_multiple)
            tokens = self._search(src, settings, n_best)
            for row, i in enumerate(chunk):
                outputs[i] = codec.decode(list(tokens[row]))
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.update(len(pieces) - bar.count)
            bar.close()
        ranked = [join_pieces([o[r] for o in outputs], owners, len(texts)) for r in range(n_best)]
        if n_best == 1:
            return restore_all(prepared, ranked[0])
        lists = [[ranked[r][i] for r in range(n_best)] for i in range(len(texts))]
        return restore_all(prepared, lists, n_best)

    def alignments(self, texts, **search):
        """Attention plots need the Keras model (exported files return no attention)."""
        raise ZooError("attention plots (--attention) need the Keras model, not an exported file")
