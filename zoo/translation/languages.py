"""Choosing a trained translation model by language pair (``zoo translate --to fr``).

The weights manifest records each translation model's ``languages`` (source, target) and its
``domain``; for a pair, a general-domain model is preferred to a narrow one (Multi30k image
captions), then the record marked ``"default": true``.

Example:
    >>> records = {"m-en-fr": {"task": "translation", "domain": "general",
    ...                        "preprocessing": {"languages": ["en", "fr"]}}}
    >>> choose_translation_model(target="fr", records=records)
    'm-en-fr'
"""

from __future__ import annotations

from collections.abc import Mapping

from zoo.errors import ZooError

# what people type for a language, to the ISO 639-1 code the records use
LANGUAGE_NAMES = {
    "english": "en",
    "eng": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "fra": "fr",
    "german": "de",
    "deutsch": "de",
    "deu": "de",
    "ger": "de",
    "czech": "cs",
    "ces": "cs",
}


def language_code(text: str) -> str:
    """``"French"``, ``"fra"`` or ``"fr"`` -> ``"fr"`` (other two-letter codes pass as given).

    Example:
        >>> language_code("German")
        'de'
    """
    key = text.strip().lower()
    code = LANGUAGE_NAMES.get(key, key)
    if len(code) != 2 or not code.isalpha():
        raise ZooError(f"{text!r}: not a language; use a code such as en, fr, de")
    return code


def translation_pairs(records: Mapping[str, Mapping]) -> dict[str, tuple[str, str]]:
    """``{model name: (source, target)}`` of the translation records that name their pair."""
    pairs = {}
    for name, record in records.items():
        languages = (record.get("preprocessing") or {}).get("languages")
        if record.get("task") == "translation" and languages and len(languages) == 2:
            pairs[name] = (languages[0], languages[1])
    return pairs


def _rank(record: Mapping) -> tuple[int, int]:
    return (record.get("domain") != "general", record.get("default") is not True)


def choose_translation_model(
    source: str | None = None,
    target: str | None = None,
    records: Mapping[str, Mapping] | None = None,
) -> str:
    """The trained model for ``source`` -> ``target``: English is the other side when only
    one is given; :class:`ZooError` when no model serves the pair, or when the pair stays
    ambiguous (``--to en`` with several source languages: name one with ``--from``).
    """
    if records is None:
        from zoo.weights import manifest

        records = manifest()
    source = language_code(source) if source else None
    target = language_code(target) if target else None
    if source and source == target:
        raise ZooError(f"--from {source} and --to {target}: the two languages are the same")
    if target is None and source not in (None, "en"):
        target = "en"
    if source is None and target not in (None, "en"):
        source = "en"
    pairs = translation_pairs(records)
    found = [
        name
        for name, (src, tgt) in pairs.items()
        if (source is None or src == source) and (target is None or tgt == target)
    ]
    available = ", ".join(sorted({f"{s}-{t}" for s, t in pairs.values()})) or "none"
    if not found:
        wanted = f"{source or '?'} -> {target or '?'}"
        raise ZooError(f"no trained model translates {wanted}; trained pairs: {available}")
    if len({pairs[name] for name in found}) > 1:
        given = f"--to {target}" if target else f"--from {source}"
        options = sorted({pairs[n][0] if target else pairs[n][1] for n in found})
        other = "--from" if target else "--to"
        raise ZooError(f"{given}: say which with {other} ({', '.join(options)})")
    return min(found, key=lambda name: _rank(records[name]))
