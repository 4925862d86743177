"""The public API: ``create_model``, ``load`` and head-dropping weight transfer.

Example:
    >>> import zoo
    >>> model = zoo.load("fcn8s-camvid")                       # doctest: +SKIP
    >>> model = zoo.create_model("fcn8s-camvid", weights="default", num_classes=3)  # new head
    >>> model = zoo.create_model("fcn8s", num_classes=5)       # random initialisation
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path
from typing import Any

from zoo.errors import WeightsError, ZooError


def load_model_file(path: str | os.PathLike, compile: bool = False):
    """Load a ``.keras`` file with ``safe_mode`` (no pickle, no lambdas).

    A file saved by :func:`zoo.half_precision.save_half_precision` (weights stored as float16)
    loads as the float32 model. Raises :class:`WeightsError` naming the file when it is missing
    or not a valid model.
    """
    import keras

    import zoo.models  # noqa: F401  (registers every custom layer)
    from zoo.half_precision import float32_copy, is_half_precision_file

    path = Path(path)
    if not path.is_file():
        raise ZooError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):
        raise WeightsError(f"{path}: not a .keras model file (not a zip archive; truncated?)")
    try:
        if is_half_precision_file(path):
            with float32_copy(path) as copy:
                return keras.saving.load_model(copy, compile=compile, safe_mode=True)
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as exc:
        raise WeightsError(
            f"{path}: could not load the model ({type(exc).__name__}: {exc})"
        ) from exc


def path_inside_model(path: str, model) -> str:
    """A variable's path without its model's own name where a subclassed model puts it first
    (``rnn_search_1/encoder/...`` -> ``encoder/...``): two instances of one class differ only
    there. Functional models' paths start at their layers and stay as they are."""
    prefix = f"{model.name}/"
    return path[len(prefix) :] if path.startswith(prefix) else path


def transfer_weights(source, target, verbose: bool = True) -> tuple[list[str], list[str]]:
    """Copy ``source``'s weights into ``target`` where variable path and shape agree.

    Returns ``(loaded, skipped)`` variable paths of ``target``. This is how a model keeps its
    backbone and neck when ``num_classes`` changes: the head's shapes differ and are skipped.
    """
    from keras import ops

    by_path = {v.path: v for v in source.weights}
    by_inside = {path_inside_model(v.path, source): v for v in source.weights}
    loaded, skipped = [], []
    for var in target.weights:
        src = by_path.get(var.path)
        if src is None:
            src = by_inside.get(path_inside_model(var.path, target))
        if src is not None and tuple(src.shape) == tuple(var.shape):
            var.assign(ops.copy(src.value))  # own buffer: JAX may donate either
            loaded.append(var.path)
        else:
            skipped.append(var.path)
    if not loaded:
        raise WeightsError("no weights matched between the saved model and the new one")
    if verbose and skipped:
        print(
            f"zoo: re-initialised {len(skipped)} weights (new head): "
            f"{', '.join(skipped[:4])}{' ...' if len(skipped) > 4 else ''}",
            file=sys.stderr,
        )
    return loaded, skipped


def _num_classes_of(model) -> int | None:
    return getattr(model, "num_classes", None)


def with_new_head(model, class_names: list[str]):
    """A copy of a zoo task ``model`` for ``class_names``: same weights but a new head.

    Returns ``model`` itself when the classes are already the same.
    """
    from zoo.registry import get_architecture

    if list(getattr(model, "class_names", [])) == list(class_names):
        return model
    arch_name, config = _arch_of(model)
    arch = get_architecture(arch_name)
    config[arch.num_classes_arg] = len(class_names)
    config["class_names"] = list(class_names)
    new = arch.builder(**config)
    transfer_weights(model, new)
    return new


def create_model(
    name: str | os.PathLike,
    weights: str | os.PathLike | None = None,
    num_classes: int | None = None,
    class_names: list[str] | None = None,
    **overrides: Any,
):
    """Build a model by architecture name, trained-model name or ``.keras`` path.

    Args:
        name: an architecture (``fcn8s``), a trained model (``fcn8s-camvid``) or a ``.keras`` path.
        weights: ``None`` (random init), ``"default"`` (the trained model's verified weights)
            or a path to a ``.keras`` file whose weights to load.
        num_classes: a new class count; when it differs from the weights, every weight but the
            head's is loaded and the head is re-initialised.
        class_names: names for the classes (implies ``num_classes``).
        overrides: architecture config values to change.
    """
    from zoo.registry import get_architecture
    from zoo.sources import resolve_source
    from zoo.weights import manifest, resolve_weights

    found = resolve_source(name)
    name = found.name
    if class_names is not None:
        num_classes = num_classes or len(class_names)
    records = manifest()
    source = None
    if found.file:
        source = load_model_file(name)
        arch_name, config = _arch_of(source)
        if weights is None:
            weights = "default"
    elif str(name) in records:
        record = records[str(name)]
        arch_name, config = record["architecture"], dict(record["config"])
    else:
        arch_name, config = str(name), {}
        if weights == "default":
            from zoo.registry import architectures

            known = str(name) in architectures()
            problem = "has no default weights" if known else "is not a model or a .keras file"
            raise ZooError(
                f"{name!r} {problem}; trained models: {', '.join(sorted(records)) or 'none'}"
            )
    arch = get_architecture(arch_name)

    if weights == "default" and source is None:
        source = load_model_file(resolve_weights(records[str(name)], str(name)))
    elif weights not in (None, "default"):
        source = load_model_file(weights)

    same_head = num_classes is None or num_classes == _num_classes_of(source or object())
    if source is not None and same_head and not overrides and class_names is None:
        return source
    if num_classes is not None:
        config[arch.num_classes_arg] = num_classes
        config.pop("class_names", None)
    if class_names is not None:
        config["class_names"] = list(class_names)
    config.update(overrides)
    model = arch.builder(**config)
    if source is not None:
        transfer_weights(source, model)
    return model


def _arch_of(model) -> tuple[str, dict]:
    """The registered architecture name and config of a loaded task model."""
    arch = getattr(model, "architecture_name", None)
    if arch is None:
        raise ZooError(f"model {model.name!r} was not made by zoo; it cannot be rebuilt")
    return arch(), dict(model.get_config())


def load(name_or_path: str | os.PathLike, **kwargs: Any):
    """Load a trained model by name (verified weights) or a ``.keras`` path, ready to use.

    An exported ``.onnx`` / ``.tflite`` file or SavedModel folder (``zoo export``) loads as a
    model of its task running in that runtime (:mod:`zoo.runtime`); ``kwargs`` may then only
    be ``threads``.
    """
    from zoo.runtime import load_exported
    from zoo.sources import resolve_source

    source = resolve_source(name_or_path)
    if source.kind == "exported":
        return load_exported(source, **kwargs)
    return create_model(source, weights="default", **kwargs)
