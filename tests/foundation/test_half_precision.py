"""Half-precision ``.keras`` files: float16 storage, float32 loading, and what stays unchanged."""

from __future__ import annotations

import io
import zipfile

import h5py
import keras
import numpy as np
import pytest

from foundation.helpers import file_sha256, random_image, seed_weights, tiny_fcn
from zoo.api import load_model_file
from zoo.errors import WeightsError
from zoo.half_precision import (
    is_half_precision_file,
    save_half_precision,
    stored_dtypes,
    to_half_precision_file,
)
from zoo.segmentation.fcn import FCN
from zoo.weights import write_manifest

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def fcn():
    """A tiny FCN-8s with fixed weights, shared by the read-only tests of this module."""
    model = tiny_fcn("fcn8s", 3)
    seed_weights(model, seed=3, skip=("upscore",))
    return model


def weight_bytes(path) -> int:
    """The bytes of weight data (not h5 bookkeeping) stored in a ``.keras`` file."""
    with zipfile.ZipFile(path) as archive:
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
        sizes = []
        h5.visititems(lambda _, item: sizes.append(getattr(item, "nbytes", 0)))
        h5.close()
    return sum(sizes)


def _rounded(value) -> np.ndarray:
    value = np.asarray(value)
    return value.astype(np.float16).astype(np.float32) if value.dtype == np.float32 else value


def test_fcn_stored_as_float16_loads_as_float32(fcn, tmp_path):
    full, half = tmp_path / "full.keras", tmp_path / "half.keras"
    fcn.save(full)
    assert save_half_precision(fcn, half) == half
    assert not list(tmp_path.glob("*tmp*")), "temporary files left behind"
    # Tiny models are mostly h5 bookkeeping (about 2 kB a weight): the weights' bytes halve.
    saved = full.stat().st_size - half.stat().st_size
    assert saved > 0.45 * weight_bytes(full) and weight_bytes(half) == weight_bytes(full) // 2
    assert is_half_precision_file(half) and not is_half_precision_file(full)
    assert set(stored_dtypes(full).values()) == {"float32"}
    assert set(stored_dtypes(half).values()) == {"float16"}

    loaded = load_model_file(half)
    assert isinstance(loaded, FCN)
    assert loaded.get_config() == fcn.get_config()
    for var, original in zip(loaded.weights, fcn.weights, strict=True):
        assert var.path == original.path and var.dtype == "float32", var.path
        np.testing.assert_array_equal(var.numpy(), _rounded(original.numpy()), err_msg=var.path)

    x = random_image(45, 61, batch=2)
    expected, got = np.asarray(fcn(x)), np.asarray(loaded(x))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-2, atol=1e-2 * np.abs(expected).max())
    images = x.astype(np.uint8)
    agree = np.mean(np.stack(loaded.segment(images)) == np.stack(fcn.segment(images)))
    assert agree > 0.99, agree


def test_ordinary_files_load_as_before(tiny_model_file):
    assert not is_half_precision_file(tiny_model_file)
    model = load_model_file(tiny_model_file)
    reference = keras.saving.load_model(tiny_model_file, safe_mode=True)
    for var, ref in zip(model.weights, reference.weights, strict=True):
        np.testing.assert_array_equal(var.numpy(), ref.numpy(), err_msg=var.path)


def test_convert_a_file_in_place_and_load_it_by_name(weights_env):
    """A manifest record pointing at a converted file loads through ``zoo.load``."""
    import zoo

    full = load_model_file(weights_env.path)
    to_half_precision_file(weights_env.path, weights_env.path)
    assert is_half_precision_file(weights_env.path)
    with pytest.raises(WeightsError, match="already"):
        to_half_precision_file(weights_env.path, weights_env.path)
    write_manifest(
        {weights_env.name: {**weights_env.record, "sha256": file_sha256(weights_env.path)}}
    )
    model = zoo.load(weights_env.name)
    x = random_image(40, 56, batch=1)
    expected = np.asarray(full(x))
    np.testing.assert_allclose(
        np.asarray(model(x)), expected, rtol=1e-2, atol=1e-2 * np.abs(expected).max()
    )


def test_compiled_model_keeps_its_optimizer_state_in_float32(tmp_path):
    model = tiny_fcn("fcn32s", 3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.optimizer.build(model.trainable_variables)
    for var in model.optimizer.variables:
        if var.dtype == "float32":
            var.assign(np.full(var.shape, 1e-9, np.float32))  # underflows in float16
    path = save_half_precision(model, tmp_path / "compiled.keras")
    dtypes = stored_dtypes(path)
    assert {d for p, d in dtypes.items() if p.startswith("optimizer/")} >= {"float32"}
    assert {d for p, d in dtypes.items() if not p.startswith("optimizer/")} == {"float16"}
    loaded = load_model_file(path, compile=True)
    for var, original in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(var.numpy(), original.numpy(), err_msg=var.path)


def test_values_beyond_float16_are_refused(fcn, tmp_path):
    model = FCN.from_config(fcn.get_config())
    model.set_weights(fcn.get_weights())
    kernel = model.weights[0]
    kernel.assign(np.full(kernel.shape, 1e5, np.float32))
    path = tmp_path / "big.keras"
    with pytest.raises(WeightsError, match="float16"):
        save_half_precision(model, path)
    assert not path.exists() and not list(tmp_path.iterdir())
