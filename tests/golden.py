"""Golden values: compare an array with ``tests/golden/<name>.npy``.

Regenerate on purpose with ``ZOO_REGEN_GOLDEN=1 python -m pytest ...`` (under the TensorFlow
backend); the stored arrays are then checked under every backend.

Example:
    >>> assert_golden("bilinear_upsample_x2", output, rtol=1e-4, atol=1e-4)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, array, rtol: float = 1e-4, atol: float = 1e-4) -> None:
    """Assert ``array`` matches the stored golden ``name`` (writes it when regenerating)."""
    array = np.asarray(array)
    path = GOLDEN_DIR / f"{name}.npy"
    if os.environ.get("ZOO_REGEN_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        np.save(path, array)
        return
    if not path.is_file():
        raise AssertionError(f"{path}: no golden array; generate it with ZOO_REGEN_GOLDEN=1")
    expected = np.load(path)
    assert array.shape == expected.shape, f"{name}: shape {array.shape} != {expected.shape}"
    np.testing.assert_allclose(array, expected, rtol=rtol, atol=atol, err_msg=name)
