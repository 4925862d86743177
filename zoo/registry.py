"""The model registry: architectures by name, and the project's trained models.

An *architecture* (``fcn8s``, ``yolov3-lite``, ``rnnsearch`` ...) is a function registered with
:func:`register_model` that builds a Keras model from keyword arguments. A *trained model*
(``fcn8s-camvid`` ...) is a record of ``weights/manifest.json`` naming its architecture, the
config it was built with and its weights file.

Example:
    >>> import zoo
    >>> zoo.list_models("fcn*")  # doctest: +SKIP
    ['fcn16s', 'fcn32s', 'fcn8s', 'fcn8s-camvid']
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from zoo.errors import ZooError


@dataclass(frozen=True)
class Architecture:
    """A registered model builder: its name, task and the function that builds it."""

    name: str
    task: str
    builder: Callable
    num_classes_arg: str = "num_classes"


_ARCHITECTURES: dict[str, Architecture] = {}

# Modules whose import registers architectures (imported lazily, on first look-up).
_PROVIDERS = (
    "zoo.segmentation.models",
    "zoo.detection.models",
    "zoo.translation.models",
    "zoo.drive.models",
)
_loaded = False


def register_model(name: str, task: str, num_classes_arg: str = "num_classes"):
    """Decorator registering ``builder(**config) -> keras.Model`` under ``name``."""

    def wrap(builder: Callable) -> Callable:
        _ARCHITECTURES[name] = Architecture(name, task, builder, num_classes_arg)
        return builder

    return wrap


def _load_providers() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _PROVIDERS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def architectures() -> dict[str, Architecture]:
    """All registered architectures by name."""
    _load_providers()
    return dict(_ARCHITECTURES)


def get_architecture(name: str) -> Architecture:
    """The architecture called ``name``; :class:`ZooError` listing the known ones otherwise."""
    archs = architectures()
    if name not in archs:
        raise ZooError(f"unknown architecture {name!r}; known: {', '.join(sorted(archs))}")
    return archs[name]


def list_models(pattern: str = "*", pretrained: bool = False) -> list[str]:
    """Names of architectures and trained models matching the glob ``pattern``.

    With ``pretrained=True`` only the models that have weights in the manifest.
    """
    from zoo.weights import manifest

    names = set(manifest())
    if not pretrained:
        names |= set(architectures())
    return sorted(n for n in names if fnmatch.fnmatch(n, pattern))
