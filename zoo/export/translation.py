"""Export a translation model to ONNX or LiteRT: three files that work together.

``zoo export rnnsearch-multi30k-en-de --format onnx --out en_de.onnx`` writes

- ``en_de.onnx``: the encoder (source ids -> annotations, attention keys, initial state);
- ``en_de.decoder_step.onnx``: one decoder step (previous token, state, keys, annotations,
  mask -> log-probabilities, new state, attention), see :mod:`zoo.export.translation_graphs`;
- ``en_de.sentencepiece.model``: the SentencePiece model (ids 0 pad, 1 unk, 2 bos, 3 eos).

Both networks carry the same metadata (:mod:`zoo.export.metadata`) plus their ``role``, the
companion files' names, the ids, the window (``max_tokens``) and the default search (beam,
GNMT length penalty, forced eos at ``floor(1.5 x source) + 5``). Beam search runs in numpy
beside them (:mod:`zoo.translation.numpy_search`; ``zoo.load("en_de.onnx")`` does it).

Example:
    >>> model = zoo.load("rnnsearch-multi30k-en-de")  # doctest: +SKIP
    >>> export_translation(model, model.name, "litert", "m.tflite")  # doctest: +SKIP
    PosixPath("m.tflite")
"""

from __future__ import annotations

import os
from pathlib import Path

SUFFIXES = {"onnx": ".onnx", "litert": ".tflite"}


def companion_paths(out: str | os.PathLike, fmt: str) -> dict[str, Path]:
    """The three files of an export to ``out``: ``encoder``, ``decoder_step``, ``sentencepiece``.

    Example:
        >>> sorted(p.name for p in companion_paths("m/en_de.onnx", "onnx").values())
        ['en_de.decoder_step.onnx', 'en_de.onnx', 'en_de.sentencepiece.model']
    """
    out = Path(out)
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    return {
        "encoder": out,
        "decoder_step": out.with_name(f"{stem}.decoder_step{SUFFIXES[fmt]}"),
        "sentencepiece": out.with_name(f"{stem}.sentencepiece.model"),
    }


def export_translation(
    model, name, fmt: str, out: str | os.PathLike, beam: int = 5, batch: int | None = None
) -> Path:
    """Write the encoder to ``out`` and its decoder step and SentencePiece model next to it."""
    import zoo.export.translation_graphs as translation_graphs
    import zoo.export.writers as writers
    from zoo.export.metadata import build_metadata
    from zoo.translation.subwords import BOS_ID, EOS_ID, PAD_ID, UNK_ID

    paths = companion_paths(out, fmt)
    tok = model.tokenizer
    common = {
        "files": {k: p.name for k, p in paths.items()},
        "ids": {"pad": PAD_ID, "unk": UNK_ID, "bos": BOS_ID, "eos": EOS_ID},
        "vocab_size": int(tok.vocab_size),
        "max_tokens": int(tok.max_tokens),
        "max_chars": int(tok.max_chars),
        "search": {
            "beam": int(beam),
            "length_penalty": "gnmt",
            "alpha": 0.6,
            "max_ratio": 1.5,
            "max_extra": 5,
            "runs_in": "numpy beside the file (zoo.translation.numpy_search)",
        },
    }
    write = writers.write_onnx if fmt == "onnx" else writers.write_litert
    paths["encoder"].parent.mkdir(parents=True, exist_ok=True)
    tmp = paths["sentencepiece"].with_name(f".{paths['sentencepiece'].name}.tmp")
    tmp.write_bytes(tok.proto)
    os.replace(tmp, paths["sentencepiece"])
    fn, spec, net = translation_graphs.decoder_step_function(model)
    meta = build_metadata(model, fmt, source_name=name, role="decoder_step", **common)
    write(fn, spec, net, paths["decoder_step"], meta)
    fn, spec, net = translation_graphs.encoder_function(model, batch)
    meta = build_metadata(
        model, fmt, source_name=name, role="encoder", batch=batch or "dynamic", **common
    )
    return write(fn, spec, net, paths["encoder"], meta)
