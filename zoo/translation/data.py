"""Parallel-text readers: Multi30k-style folders, Tatoeba TSV folders, TSV pairs and TFDS.

Multi30k-style folders hold ``{split}.{lang}`` files (the WMT news test sets too:
``newstest2013.en`` / ``newstest2013.fr``); Tatoeba folders such as ``tatoeba/eng-fra`` hold
``{split}.tsv`` files whose two columns are the languages of the folder's name, in order.

Every reader returns ``(sources, targets)``: two equally long lists of raw, cased sentences.

Example:
    >>> from zoo.data.paths import data_root
    >>> src, tgt = read_parallel_folder(data_root() / "multi30k", "val", "en", "fr")
    >>> len(src) == len(tgt)  # doctest: +SKIP
    True
"""

from __future__ import annotations

import gzip
from pathlib import Path

from zoo.errors import DataError


def _open_text(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    return opener(path, "rt", encoding="utf-8", errors="replace", newline="\n")


def read_lines(path: str | Path, limit: int | None = None) -> list[str]:
    """Read one sentence a line from a text file or ``.gz`` (trailing newline stripped)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    lines = []
    try:
        with _open_text(path) as handle:
            for line in handle:
                if limit is not None and len(lines) >= limit:
                    break
                lines.append(line.rstrip("\r\n"))
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from None
    return lines


def split_file(folder: str | Path, split: str, lang: str) -> Path:
    """Path of ``{split}.{lang}`` or ``{split}.{lang}.gz`` in ``folder``."""
    folder = Path(folder)
    for name in (f"{split}.{lang}", f"{split}.{lang}.gz"):
        if (folder / name).is_file():
            return folder / name
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder not found")
    raise DataError(f"{folder}: no {split}.{lang} or {split}.{lang}.gz")


def read_parallel_folder(
    folder: str | Path, split: str, src_lang: str, tgt_lang: str, limit: int | None = None
) -> tuple[list[str], list[str]]:
    """Read ``{split}.{src_lang}`` and ``{split}.{tgt_lang}`` (plain or ``.gz``) from ``folder``.

    Raises :class:`DataError` naming the file when one is missing or the line counts differ.
    """
    src_path = split_file(folder, split, src_lang)
    tgt_path = split_file(folder, split, tgt_lang)
    src, tgt = read_lines(src_path, limit), read_lines(tgt_path, limit)
    if len(src) != len(tgt):
        raise DataError(
            f"{tgt_path}: {len(tgt)} lines but {src_path.name} has {len(src)}; "
            "the two sides must be line-aligned"
        )
    return src, tgt


def read_tsv_pairs(
    path: str | Path, src_column: int = 0, tgt_column: int = 1, limit: int | None = None
) -> tuple[list[str], list[str]]:
    """Read tab-separated sentence pairs (plain or ``.gz``); blank lines are skipped.

    Raises :class:`DataError` naming the file and line of the first row with too few columns.
    """
    path = Path(path)
    src, tgt = [], []
    need = max(src_column, tgt_column) + 1
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < need:
            raise DataError(f"{path}:{number}: {len(fields)} tab-separated fields, need {need}")
        src.append(fields[src_column])
        tgt.append(fields[tgt_column])
        if limit is not None and len(src) >= limit:
            break
    return src, tgt


# ISO 639-3 codes (Tatoeba, OPUS folder names) to the ISO 639-1 codes the models record
ISO_639_3 = {"eng": "en", "fra": "fr", "deu": "de", "ces": "cs", "spa": "es", "ita": "it"}


def tsv_languages(folder: str | Path) -> tuple[str, str]:
    """The two column languages of a Tatoeba-style folder, from its name: ``eng-fra`` ->
    ``("en", "fr")``; :class:`DataError` when the name is not ``xxx-yyy``.

    Example:
        >>> tsv_languages("tatoeba/eng-deu")
        ('en', 'de')
    """
    parts = Path(folder).name.split("-")
    if len(parts) != 2 or not all(parts):
        raise DataError(f"{folder}: a TSV folder is named by its two languages, e.g. eng-fra")
    return tuple(ISO_639_3.get(code, code) for code in parts)  # type: ignore[return-value]


def read_pairs(
    folder: str | Path, split: str, src_lang: str, tgt_lang: str, limit: int | None = None
) -> tuple[list[str], list[str]]:
    """``split`` of ``folder`` in the direction ``src_lang`` -> ``tgt_lang``: a Tatoeba-style
    ``{split}.tsv`` (columns named by the folder, read in either direction) or Multi30k-style
    ``{split}.{lang}`` files.

    Example:
        >>> src, tgt = read_pairs(data_root() / "tatoeba/eng-fra", "dev", "fr", "en")
        ... # doctest: +SKIP
    """
    folder = Path(folder)
    tsv = folder / f"{split}.tsv"
    if not tsv.is_file():
        return read_parallel_folder(folder, split, src_lang, tgt_lang, limit=limit)
    columns = tsv_languages(folder)
    missing = [lang for lang in (src_lang, tgt_lang) if lang not in columns]
    if missing or src_lang == tgt_lang:
        raise DataError(f"{tsv}: holds {columns[0]}-{columns[1]}, not {src_lang}-{tgt_lang}")
    return read_tsv_pairs(tsv, columns.index(src_lang), columns.index(tgt_lang), limit=limit)


def load_tfds_translation(
    split: str = "train",
    src_lang: str = "en",
    tgt_lang: str = "fr",
    name: str = "wmt14_translate/fr-en",
    data_dir: str | Path | None = None,
    limit: int | None = None,
    download: bool = False,
) -> tuple[list[str], list[str]]:
    """Read a TFDS translation dataset (default ``wmt14_translate/fr-en``) as two lists.

    ``tensorflow_datasets`` is imported here only. With ``download=False`` the dataset must
    already be prepared in ``data_dir``.
    """
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DataError(f"{name}: tensorflow_datasets is not installed") from None
    try:
        ds = tfds.load(name, split=split, data_dir=data_dir, download=download)
    except Exception as exc:  # tfds raises many kinds; report one line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{data_dir or '~/tensorflow_datasets'}/{name}: {message}") from None
    if limit is not None:
        ds = ds.take(limit)
    src, tgt = [], []
    for example in tfds.as_numpy(ds):
        if src_lang not in example or tgt_lang not in example:
            raise DataError(f"{name}: no {src_lang!r}/{tgt_lang!r} fields in {sorted(example)}")
        src.append(_as_str(example[src_lang]))
        tgt.append(_as_str(example[tgt_lang]))
    return src, tgt


def _as_str(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
