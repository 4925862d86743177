"""Translation recipes: the nested TOML tables flattened into :func:`train_translation`'s config.

Example:
    >>> flat = flatten_recipe({"task": "translation", "data": {"src_lang": "en"},
    ...                        "train": {"epochs": 2}})
    >>> flat
    {'src_lang': 'en', 'epochs': 2}
"""

from __future__ import annotations

from zoo.errors import ZooError

TOP_LEVEL = {"task", "name", "recipe", "seed"}


def flatten_recipe(config: dict) -> dict:
    """Merge the ``[data]``, ``[model]`` and ``[train]`` tables (and ``seed``) into one dict."""
    flat: dict = {}
    for key, value in config.items():
        if isinstance(value, dict):
            for inner, item in value.items():
                if inner in flat:
                    raise ZooError(f"recipe key {inner!r} appears in two tables")
                flat[inner] = item
        elif key == "seed":
            flat["seed"] = value
        elif key not in TOP_LEVEL:
            raise ZooError(f"recipe key {key!r} must sit in [data], [model] or [train]")
    if "root" in flat:  # the shared name `zoo finetune --data` sets
        flat["data_dir"] = flat.pop("root")
    if "out_dir" in flat:
        flat["output_dir"] = flat.pop("out_dir")
    flat.pop("classes", None)
    return flat
