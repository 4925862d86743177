"""``get_config`` from the attributes that hold a layer's constructor arguments.

Every zoo layer keeps each constructor argument as an attribute of the same name; its config
is those attributes, listed once in the class (``CONFIG``).

Example:
    >>> class Box:
    ...     width, height = 3, 4
    >>> attributes(Box(), ("width", "height"))
    {'width': 3, 'height': 4}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def attributes(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    """``{name: obj.name}`` for each of ``names``, in order."""
    return {name: getattr(obj, name) for name in names}
