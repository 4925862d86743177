"""Fixtures of the foundation tests: a tiny saved FCN and a temporary weights folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from foundation.helpers import file_sha256, seed_weights, tiny_fcn, weights_record

TINY_NAME = "fcn8s-tiny"
TINY_FILE = "fcn8s_tiny.keras"


@pytest.fixture(scope="session")
def tiny_model_file(tmp_path_factory) -> Path:
    """A tiny FCN-8s (3 classes, fixed weights) saved once per session as ``.keras``."""
    model = tiny_fcn("fcn8s", 3)
    seed_weights(model, seed=0, skip=("upscore",))
    path = tmp_path_factory.mktemp("tiny") / TINY_FILE
    model.save(path)
    return path


@dataclass
class WeightsEnv:
    """A temporary ``ZOO_WEIGHTS`` folder holding one trained model record."""

    dir: Path
    cache: Path
    name: str
    path: Path
    record: dict


@pytest.fixture
def weights_env(tmp_path, monkeypatch, tiny_model_file) -> WeightsEnv:
    """``ZOO_WEIGHTS``/``ZOO_CACHE`` in ``tmp_path`` with the tiny FCN as ``fcn8s-tiny``."""
    from zoo.api import load_model_file
    from zoo.weights import write_manifest

    wdir, cache = tmp_path / "weights", tmp_path / "cache"
    wdir.mkdir()
    monkeypatch.setenv("ZOO_WEIGHTS", str(wdir))
    monkeypatch.setenv("ZOO_CACHE", str(cache))
    path = wdir / TINY_FILE
    shutil.copyfile(tiny_model_file, path)
    record = weights_record(load_model_file(path), TINY_FILE, file_sha256(path))
    write_manifest({TINY_NAME: record})
    return WeightsEnv(wdir, cache, TINY_NAME, path, record)
