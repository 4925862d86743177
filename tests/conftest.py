"""Shared fixtures: the data folder, and a fixed seed per test."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

from zoo.data.paths import data_root


@pytest.fixture
def zoo_data():
    """The shared data folder; skips the test with a reason when it is absent."""
    root = data_root()
    if not root.is_dir():
        pytest.skip(f"shared data folder {root} not found (set ZOO_DATA)")
    return root


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    try:
        import keras

        keras.utils.set_random_seed(0)
    except ImportError:
        pass
