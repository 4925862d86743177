"""The distributed tests run only when asked for by marker (``-m distributed``): they start
their own backends in subprocesses, so CI runs them once, not in every backend's pass."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the harness of this folder (tests/ itself: tests/conftest.py)
    sys.path.insert(0, str(HERE))


def pytest_collection_modifyitems(config, items):
    expression = config.getoption("markexpr") or ""
    if "distributed" in expression and "not distributed" not in expression:
        return
    keep = [item for item in items if item.get_closest_marker("distributed") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
