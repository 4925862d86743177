"""An averaged translation checkpoint is a whole translator: tokenizer, languages, decoding."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.api import load
from zoo.training.averaging import average_checkpoints

pytestmark = pytest.mark.model


def test_averaged_rnnsearch_keeps_its_tokenizer_and_translates(
    make_tiny_en_fr, toy_tokenizer, tmp_path
):
    paths = []
    for seed in range(2):
        model = make_tiny_en_fr()
        rng = np.random.default_rng(seed)
        for variable in model.weights:
            variable.assign(rng.normal(0, 0.1, tuple(variable.shape)).astype("float32"))
        paths.append(tmp_path / f"epoch_{seed:03d}.keras")
        model.save(paths[-1])
    averaged = load(average_checkpoints(paths, tmp_path / "averaged.keras"))
    assert (averaged.source_language, averaged.target_language) == ("en", "fr")
    assert averaged.tokenizer.vocab_size == toy_tokenizer.vocab_size
    first, second = load(paths[0]), load(paths[1])
    for a, b, mean in zip(first.weights, second.weights, averaged.weights, strict=True):
        np.testing.assert_allclose(mean.numpy(), (a.numpy() + b.numpy()) / 2, rtol=1e-6)
    translations = averaged.translate(["A dog runs.", "Two men talk."], beam=2)
    assert len(translations) == 2 and all(isinstance(t, str) for t in translations)
