"""corpus_scores agrees with sacrebleu run directly."""

from __future__ import annotations

import pytest

from zoo.errors import ZooError
from zoo.translation.bleu import corpus_scores

HYPS = ["Un homme fait du vélo.", "Deux chiens jouent dans l'herbe!", "Une femme."]
REFS = ["Un homme fait du vélo dans la rue.", "Deux chiens jouent dans l'herbe.", "Une femme lit."]


def test_matches_sacrebleu_directly():
    sacrebleu = pytest.importorskip("sacrebleu")
    scores = corpus_scores(HYPS, REFS)
    assert scores["bleu"] == pytest.approx(sacrebleu.corpus_bleu(HYPS, [REFS]).score)
    assert scores["chrf"] == pytest.approx(sacrebleu.corpus_chrf(HYPS, [REFS]).score)
    assert "tok:13a" in scores["signature"] and "case:mixed" in scores["signature"]
    assert 0 < scores["bleu"] < 100


def test_case_matters_and_perfect_score():
    assert corpus_scores(REFS, REFS)["bleu"] == pytest.approx(100.0)
    assert corpus_scores([r.upper() for r in REFS], REFS)["bleu"] < 10


def test_multiple_references_and_errors():
    two = corpus_scores(HYPS, [REFS, HYPS])
    assert two["bleu"] == pytest.approx(100.0) and "nrefs:2" in two["signature"]
    with pytest.raises(ZooError, match="3 hypotheses but 2 references"):
        corpus_scores(HYPS, REFS[:2])
    with pytest.raises(ZooError):
        corpus_scores([], [])
