"""Read the small YAML subset of dataset files, with PyYAML when it is installed.

The fallback parser understands what ultralytics ``data.yaml`` files use: ``key: value``
scalars, comments, quoted strings, inline ``[a, b]`` lists and ``{0: a}`` maps, and one level
of nested block lists (``- item``) or maps (``0: name``) under a key.

Example:
    >>> parse_yaml_subset("names: [cat, 'hot dog']  # two\\nnc: 2")
    {'names': ['cat', 'hot dog'], 'nc': 2}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from zoo.errors import DataError

_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quote, cur = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _key_value(text: str) -> tuple[str, str] | None:
    """Split ``key: value`` at the first colon outside quotes followed by space or end."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ":" and (i + 1 == len(text) or text[i + 1] in " \t"):
            return text[:i].strip(), text[i + 1 :].strip()
    return None


def _scalar(text: str) -> Any:
    t = text.strip()
    if not t:
        return None
    if t[0] == t[-1] and t[0] in "'\"" and len(t) >= 2:
        return t[1:-1]
    if t.startswith("[") and t.endswith("]"):
        return [_scalar(p) for p in _split_top(t[1:-1], ",")]
    if t.startswith("{") and t.endswith("}"):
        out = {}
        for p in _split_top(t[1:-1], ","):
            kv = _key_value(p)
            if kv is None:
                raise ValueError(f"bad map entry {p.strip()!r}")
            out[_scalar(kv[0])] = _scalar(kv[1])
        return out
    if t in ("null", "~", "Null", "NULL"):
        return None
    if t in ("true", "True", "TRUE"):
        return True
    if t in ("false", "False", "FALSE"):
        return False
    if _INT.match(t):
        return int(t)
    if _FLOAT.match(t):
        return float(t)
    return t


def parse_yaml_subset(text: str) -> dict[str, Any]:
    """Parse the YAML subset described in the module docstring into a dict.

    Example:
        >>> parse_yaml_subset("names:\\n  0: cat\\n  1: dog")
        {'names': {0: 'cat', 1: 'dog'}}
    """
    out: dict[str, Any] = {}
    key = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).rstrip()
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        indented = line[0] in " \t"
        body = line.strip()
        if indented or body.startswith("- "):
            if key is None:
                raise ValueError(f"line {lineno}: nested value without a key")
            if body.startswith("-"):
                if out[key] is None:
                    out[key] = []
                if not isinstance(out[key], list):
                    raise ValueError(f"line {lineno}: list item under a map")
                out[key].append(_scalar(body[1:]))
            else:
                kv = _key_value(body)
                if kv is None:
                    raise ValueError(f"line {lineno}: expected 'key: value'")
                if out[key] is None:
                    out[key] = {}
                if not isinstance(out[key], dict):
                    raise ValueError(f"line {lineno}: map entry under a list")
                out[key][_scalar(kv[0])] = _scalar(kv[1])
            continue
        kv = _key_value(body)
        if kv is None:
            raise ValueError(f"line {lineno}: expected 'key: value'")
        key = str(_scalar(kv[0]))
        out[key] = _scalar(kv[1])
    return out


def load_yaml(path: Path) -> dict[str, Any]:
    """Load a YAML mapping (PyYAML if present, else :func:`parse_yaml_subset`).

    Raises :class:`DataError` naming the file when it cannot be parsed.

    Example:
        >>> load_yaml(Path("data.yaml"))["names"]  # doctest: +SKIP
        ['raccoon', 'kangaroo']
    """
    try:
        text = path.read_text()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror})") from None
    try:
        import yaml
    except ImportError:
        yaml = None
    try:
        data = yaml.safe_load(text) if yaml is not None else parse_yaml_subset(text)
    except Exception as e:
        msg = str(e).replace("\n", " ")
        raise DataError(f"{path}: not valid YAML ({msg})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a YAML mapping of keys (train:, val:, names:)")
    return data
