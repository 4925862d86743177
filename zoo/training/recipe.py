"""Recipes: small TOML files of training settings, overridable from the command line.

Example:
    >>> config = load_recipe("apps/segmentation/recipes/fcn8s_camvid.toml",
    ...                      ["train.epochs=2", "data.crop=[256, 256]"])  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as the tomli package
    import tomli as tomllib

from zoo.errors import ZooError


def parse_value(text: str) -> Any:
    """Parse an override value as a TOML literal (number, bool, list, quoted string) or a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(config: dict, overrides: Iterable[str]) -> dict:
    """Return a copy of ``config`` with each ``"a.b.c=value"`` override applied."""
    config = copy.deepcopy(config)
    for item in overrides:
        if "=" not in item:
            raise ZooError(f"override {item!r}: expected KEY=VALUE, e.g. train.epochs=10")
        key, value = item.split("=", 1)
        node = config
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ZooError(f"override {item!r}: {part!r} is not a table in the recipe")
        node[parts[-1]] = parse_value(value.strip())
    return config


def load_recipe(path: str | os.PathLike, overrides: Iterable[str] = ()) -> dict:
    """Read a TOML recipe and apply command-line overrides; records its own path."""
    path = Path(path)
    if not path.is_file():
        raise ZooError(f"{path}: recipe file not found")
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ZooError(f"{path}: invalid TOML ({exc})") from exc
    config = apply_overrides(config, overrides)
    config.setdefault("recipe", str(path))
    if "task" not in config:
        raise ZooError(f"{path}: the recipe has no 'task' (segmentation, detection, translation)")
    return config


def write_json_atomic(path: str | os.PathLike, data: Any) -> None:
    """Write JSON to ``path`` through a temporary file, so a crash never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
