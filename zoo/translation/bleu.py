"""Corpus BLEU and chrF with sacrebleu on detokenised, cased text (13a tokenisation).

Example:
    >>> scores = corpus_scores(["The cat sat on the mat."], ["The cat sat on the mat."])
    >>> round(scores["bleu"], 1), scores["signature"].split("|")[0]
    (100.0, 'nrefs:1')
"""

from __future__ import annotations

from collections.abc import Sequence

from zoo.errors import ZooError


def corpus_scores(
    hypotheses: Sequence[str], references: Sequence[str] | Sequence[Sequence[str]]
) -> dict:
    """Return ``{"bleu", "chrf", "signature"}`` for system outputs against references.

    ``references`` is one reference per hypothesis, or a list of reference streams (each as
    long as ``hypotheses``) for multi-reference scoring. Scores are sacrebleu's defaults:
    BLEU with 13a tokenisation, cased, exponential smoothing; chrF with n=6, beta=2.
    """
    from sacrebleu.metrics import BLEU, CHRF

    hypotheses = [str(h) for h in hypotheses]
    if references and not isinstance(references[0], str):
        streams = [[str(r) for r in stream] for stream in references]
    else:
        streams = [[str(r) for r in references]]
    for stream in streams:
        if len(stream) != len(hypotheses):
            raise ZooError(f"BLEU: {len(hypotheses)} hypotheses but {len(stream)} references")
    if not hypotheses:
        raise ZooError("BLEU: no sentences to score")
    bleu, chrf = BLEU(tokenize="13a"), CHRF()
    bleu_score = bleu.corpus_score(hypotheses, streams)
    chrf_score = chrf.corpus_score(hypotheses, streams)
    return {
        "bleu": float(bleu_score.score),
        "chrf": float(chrf_score.score),
        "signature": f"BLEU {bleu.get_signature()} chrF {chrf.get_signature()}",
    }
