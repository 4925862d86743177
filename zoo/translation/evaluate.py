"""Score a translation model on a split with sacreBLEU (detokenised, cased, 13a).

Example:
    >>> scores = evaluate_translation(zoo.load("rnnsearch-multi30k-en-de"),
    ...                               data_root() / "multi30k", "test_2016_flickr", beam=5)
    ... # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from zoo.errors import DataError
from zoo.translation.bleu import corpus_scores
from zoo.translation.data import read_pairs, read_tsv_pairs


def evaluate_translation(
    model, root: str | os.PathLike, split: str, beam: int = 5, batch_size: int = 64
) -> dict:
    """Translate ``root``'s ``split`` and score it: ``bleu``, ``chrf``, ``signature``,
    ``n_sentences`` and ``beam``.

    ``root`` is a Multi30k-style folder (``{split}.{src}`` / ``{split}.{tgt}``, optionally
    gzipped; the WMT news sets too), a Tatoeba-style folder (``{split}.tsv``, columns named by
    the folder, e.g. ``eng-fra``), each read with the model's language pair, or a TSV file of
    pairs (source, reference).
    """
    path = Path(root)
    if model.languages is None and not path.is_file():
        raise DataError(f"{root}: the model does not record its languages; pass a TSV file")
    src_lang, tgt_lang = model.languages or ("", "")
    if path.is_file():
        sources, references = read_tsv_pairs(path)
    else:
        sources, references = read_pairs(path, split, src_lang, tgt_lang)
    if not sources:
        raise DataError(f"{root}: no {split} sentences")
    hypotheses = model.translate(sources, beam=beam, batch_size=batch_size, progress=True)
    scores = corpus_scores(hypotheses, references)
    return {**scores, "n_sentences": len(sources), "beam": beam}
