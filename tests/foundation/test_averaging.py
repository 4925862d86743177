"""Checkpoint averaging (``zoo average``): the mean of each weight, one line per bad file."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from foundation.helpers import seed_weights, tiny_fcn
from zoo.api import load_model_file
from zoo.cli import main
from zoo.errors import ZooError
from zoo.training.averaging import average_checkpoints

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    paths = []
    for seed in range(3):
        model = tiny_fcn()
        seed_weights(model, seed=seed)
        path = folder / f"epoch_{seed:03d}.keras"
        model.save(path)
        paths.append(path)
    return paths


def test_every_weight_is_the_mean_of_the_checkpoints(checkpoints, tmp_path):
    out = average_checkpoints(checkpoints, tmp_path / "avg.keras")
    averaged = load_model_file(out)
    models = [load_model_file(p) for p in checkpoints]
    assert type(averaged) is type(models[0])
    assert len(averaged.weights) == len(models[0].weights)
    for i, variable in enumerate(averaged.weights):
        expected = np.mean([m.weights[i].numpy() for m in models], axis=0)
        np.testing.assert_allclose(variable.numpy(), expected, rtol=1e-6, atol=1e-7)
    # a model of its own: it predicts like one whose weights were set to the mean by hand
    by_hand = tiny_fcn()
    for target, source in zip(by_hand.weights, averaged.weights, strict=True):
        target.assign(source.numpy())
    x = np.random.default_rng(0).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(averaged(x)), np.asarray(by_hand(x)), rtol=1e-5, atol=1e-5
    )


def test_averaging_a_checkpoint_with_itself_changes_nothing(checkpoints, tmp_path):
    out = average_checkpoints([checkpoints[0]] * 2, tmp_path / "same.keras")
    for a, b in zip(
        load_model_file(out).weights, load_model_file(checkpoints[0]).weights, strict=True
    ):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7)


def test_a_different_model_is_named(checkpoints, tmp_path):
    other = tiny_fcn(num_classes=4)
    path = tmp_path / "other.keras"
    other.save(path)
    with pytest.raises(ZooError, match=r"other\.keras: not the same model as .*epoch_000\.keras"):
        average_checkpoints([checkpoints[0], path], tmp_path / "x.keras")
    assert not (tmp_path / "x.keras").exists()


def test_one_checkpoint_or_a_wrong_suffix_is_refused(checkpoints, tmp_path):
    with pytest.raises(ZooError, match="at least two"):
        average_checkpoints(checkpoints[:1], tmp_path / "x.keras")
    with pytest.raises(ZooError, match=r"x\.h5: the averaged model is written as a \.keras"):
        average_checkpoints(checkpoints, tmp_path / "x.h5")


def test_cli_names_a_broken_file_and_keeps_the_old_output(checkpoints, tmp_path):
    broken = tmp_path / "epoch_009.keras"
    broken.write_bytes(checkpoints[0].read_bytes()[:5000])  # an interrupted copy
    out = tmp_path / "avg.keras"
    out.write_bytes(b"a good model")
    result = CliRunner().invoke(
        main, ["average", str(checkpoints[0]), str(broken), "--out", str(out)], prog_name="zoo"
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "epoch_009.keras" in lines[0], result.stderr
    assert out.read_bytes() == b"a good model"

    result = CliRunner().invoke(
        main, ["average", *map(str, checkpoints), "--out", str(out)], prog_name="zoo"
    )
    assert result.exit_code == 0, result.stderr
    assert "the mean of 3 checkpoints" in result.stdout
    assert len(load_model_file(out).weights) == len(load_model_file(checkpoints[0]).weights)
