"""Registered translation architecture: ``rnnsearch`` (Bahdanau, Cho & Bengio, 2015).

Example:
    >>> import zoo
    >>> model = zoo.create_model("rnnsearch", vocab_size=8000, units=256)  # doctest: +SKIP
"""

from __future__ import annotations

from zoo.registry import register_model
from zoo.translation.rnnsearch import RNNSearch


@register_model("rnnsearch", task="translation", num_classes_arg="vocab_size")
def rnnsearch(vocab_size: int = 8000, **config) -> RNNSearch:
    """Build :class:`~zoo.translation.rnnsearch.RNNSearch` (paper sizes by default)."""
    return RNNSearch(vocab_size=vocab_size, **config)
