"""Match class names between a dataset and a model, tolerant of spelling and aliases.

Names are compared after :func:`normalize_name` (lower case, no spaces, underscores or
hyphens), then through the usual VOC/COCO aliases (``motorbike``/``motorcycle``,
``aeroplane``/``airplane``, ``sofa``/``couch``, ``tvmonitor``/``tv``, ...). An exact
(normalised) match always wins over an alias.

Example:
    >>> match_classes(["Aeroplane", "dining_table", "raccoon"], ["airplane", "dining table"])
    ({0: 0, 1: 1}, ['raccoon'])
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Groups of names for the same thing (normalised spellings); the first is the canonical one.
ALIAS_GROUPS: tuple[tuple[str, ...], ...] = (
    ("airplane", "aeroplane", "plane", "aircraft"),
    ("motorcycle", "motorbike"),
    ("couch", "sofa"),
    ("tv", "tvmonitor", "television", "monitor", "tvset"),
    ("diningtable", "table"),
    ("pottedplant", "plant", "houseplant"),
    ("bicycle", "bike"),
    ("person", "people", "pedestrian", "human"),
    ("cellphone", "mobilephone", "phone", "smartphone"),
    ("hairdrier", "hairdryer"),
    ("handbag", "purse"),
    ("sportsball", "ball"),
    ("donut", "doughnut"),
    ("cow", "cattle"),
    ("car", "automobile"),
)

_CANONICAL = {alias: group[0] for group in ALIAS_GROUPS for alias in group}


def normalize_name(name: str) -> str:
    """Lower case without spaces, underscores or hyphens.

    Example:
        >>> normalize_name(" Potted-Plant ")
        'pottedplant'
    """
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def canonical_name(name: str) -> str:
    """The normalised name, mapped to its alias group's canonical spelling.

    Example:
        >>> canonical_name("Motor-bike")
        'motorcycle'
    """
    key = normalize_name(name)
    return _CANONICAL.get(key, key)


def match_classes(
    dataset_names: Sequence[str], model_names: Sequence[str]
) -> tuple[dict[int, int], list[str]]:
    """Map dataset class indices to model class indices by name.

    Returns ``(mapping, unmatched)``: ``mapping[dataset_index] = model_index`` and the
    dataset names with no model class, in dataset order.

    Example:
        >>> match_classes(["tvmonitor", "sofa"], ["couch", "tv"])
        ({0: 1, 1: 0}, [])
    """
    exact: dict[str, int] = {}
    alias: dict[str, int] = {}
    for j, n in enumerate(model_names):
        exact.setdefault(normalize_name(n), j)
        alias.setdefault(canonical_name(n), j)
    mapping: dict[int, int] = {}
    unmatched: list[str] = []
    for i, n in enumerate(dataset_names):
        j = exact.get(normalize_name(n), alias.get(canonical_name(n)))
        if j is None:
            unmatched.append(str(n))
        else:
            mapping[i] = j
    return mapping, unmatched
