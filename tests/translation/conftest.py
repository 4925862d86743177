"""Fixtures for the translation tests: a toy parallel corpus, its tokenizer, a tiny model."""

from __future__ import annotations

import numpy as np
import pytest

SOURCE_WORDS = (
    "the",
    "a",
    "red",
    "blue",
    "cat",
    "dog",
    "sees",
    "eats",
    "big",
    "small",
    "bird",
    "fish",
    "runs",
    "jumps",
    "green",
    "house",
)
TARGET_WORDS = (
    "le",
    "un",
    "rouge",
    "bleu",
    "chat",
    "chien",
    "voit",
    "mange",
    "grand",
    "petit",
    "oiseau",
    "poisson",
    "court",
    "saute",
    "vert",
    "maison",
)


def make_pairs(n: int = 300, seed: int = 0) -> tuple[list[str], list[str]]:
    """Toy word-for-word 'translations' with capitalised first word and a full stop."""
    rng = np.random.default_rng(seed)
    src, tgt = [], []
    for _ in range(n):
        idx = rng.integers(0, len(SOURCE_WORDS), rng.integers(3, 9))
        s = " ".join(SOURCE_WORDS[i] for i in idx)
        t = " ".join(TARGET_WORDS[i] for i in idx)
        src.append(s[0].upper() + s[1:] + ".")
        tgt.append(t[0].upper() + t[1:] + ".")
    return src, tgt


@pytest.fixture(scope="session")
def toy_pairs():
    return make_pairs()


@pytest.fixture(scope="session")
def toy_tokenizer(toy_pairs):
    from zoo.translation.tokenizer import SubwordTokenizer

    src, tgt = toy_pairs
    return SubwordTokenizer.train(src + tgt, vocab_size=400, max_tokens=64)


@pytest.fixture(scope="session")
def tiny_model(toy_tokenizer):
    """Shared by several tests (building is slow under JAX): do not train it."""
    from zoo.translation.rnnsearch import RNNSearch

    return RNNSearch(
        tokenizer=toy_tokenizer, embedding_dim=8, units=16, attention_units=12, maxout_units=8
    )


@pytest.fixture(scope="session")
def make_tiny_en_fr(toy_tokenizer):
    """Make a new tiny, untrained en -> fr RNNSearch (its own random weights) on each call."""
    from zoo.translation.rnnsearch import RNNSearch

    def make():
        return RNNSearch(
            tokenizer=toy_tokenizer, embedding_dim=8, units=16, attention_units=12,
            maxout_units=8, source_language="en", target_language="fr",
        )  # fmt: skip

    return make
