"""Training infrastructure: recipes and overrides, schedules, atomic checkpoints, resuming."""

from __future__ import annotations

import csv
import itertools
import json

import keras
import numpy as np
import pytest

from foundation.helpers import TINY_BACKBONE, file_sha256, make_camvid, tiny_fcn
from zoo.errors import ZooError
from zoo.training.checkpoint import RunCheckpoint, resume_state, save_model_atomic
from zoo.training.recipe import apply_overrides, load_recipe, parse_value, write_json_atomic
from zoo.training.schedule import WarmupCosine, make_optimizer

# --- recipes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10),
        ("1e-3", 1e-3),
        ("true", True),
        ("[352, 480]", [352, 480]),
        ('"fcn8s"', "fcn8s"),
        ("'runs/x'", "runs/x"),
        ("adamw", "adamw"),
        ("a=b", "a=b"),
        ("{ widths = [8, 8] }", {"widths": [8, 8]}),
    ],
)
def test_parse_value(text, value):
    assert parse_value(text) == value


def test_apply_overrides_nested_and_copying():
    config = {"train": {"epochs": 80, "lr": 3e-3}, "data": {"crop": [352, 480]}}
    out = apply_overrides(
        config, ["train.epochs=2", "data.crop=[64, 64]", "model.backbone_config.depths=[1, 1]"]
    )
    assert out["train"] == {"epochs": 2, "lr": 3e-3}
    assert out["data"]["crop"] == [64, 64]
    assert out["model"] == {"backbone_config": {"depths": [1, 1]}}
    assert config["train"]["epochs"] == 80, "the input config must not change"
    assert apply_overrides(config, [" train.lr = 0.1 "])["train"]["lr"] == 0.1


def test_apply_overrides_mistakes():
    with pytest.raises(ZooError, match="KEY=VALUE"):
        apply_overrides({}, ["train.epochs"])
    with pytest.raises(ZooError, match="not a table"):
        apply_overrides({"train": 3}, ["train.epochs=2"])


def test_load_recipe(tmp_path):
    recipe = tmp_path / "r.toml"
    recipe.write_text('task = "segmentation"\n[train]\nepochs = 80\nlr = 3e-3\n')
    config = load_recipe(recipe, ["train.epochs=1", "train.optimizer=sgd"])
    assert config["train"] == {"epochs": 1, "lr": 3e-3, "optimizer": "sgd"}
    assert config["recipe"] == str(recipe)
    with pytest.raises(ZooError, match="not found"):
        load_recipe(tmp_path / "absent.toml")
    (tmp_path / "bad.toml").write_text("task = [\n")
    with pytest.raises(ZooError, match="invalid TOML"):
        load_recipe(tmp_path / "bad.toml")
    (tmp_path / "notask.toml").write_text("[train]\nepochs = 1\n")
    with pytest.raises(ZooError, match="no 'task'"):
        load_recipe(tmp_path / "notask.toml")


def test_project_recipes_load():
    from zoo.data.paths import PROJECT_ROOT

    recipes = sorted((PROJECT_ROOT / "apps").glob("*/recipes/*.toml"))
    assert recipes
    for recipe in recipes:
        config = load_recipe(recipe, ["train.epochs=1"])
        assert config["task"] in ("segmentation", "detection", "translation"), recipe
        assert config["train"]["epochs"] == 1


def test_write_json_atomic(tmp_path):
    path = tmp_path / "state.json"
    write_json_atomic(path, {"epoch": 3, "path": tmp_path})
    assert json.loads(path.read_text()) == {"epoch": 3, "path": str(tmp_path)}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


# --- schedules and optimizers -------------------------------------------------------------------


def test_warmup_cosine_values():
    schedule = WarmupCosine(1.0, total_steps=110, warmup_steps=10, floor=0.01)
    lr = [float(schedule(step)) for step in range(0, 121)]
    assert lr[0] == pytest.approx(0.1)
    assert lr[9] == pytest.approx(1.0)
    assert lr[10] == pytest.approx(1.0)
    assert lr[60] == pytest.approx(0.01 + 0.99 * 0.5, rel=1e-5)
    assert lr[110] == pytest.approx(0.01) and lr[120] == pytest.approx(0.01)
    assert all(a >= b - 1e-7 for a, b in itertools.pairwise(lr[10:]))
    assert WarmupCosine(**schedule.get_config()).get_config() == schedule.get_config()
    assert float(WarmupCosine(0.5, total_steps=10)(0)) == pytest.approx(0.5)


def test_make_optimizer():
    adamw = make_optimizer({"lr": 1e-3, "warmup_epochs": 1}, steps_per_epoch=5, epochs=3)
    assert isinstance(adamw, keras.optimizers.AdamW) and adamw.weight_decay == 1e-4
    sgd = make_optimizer({"optimizer": "sgd", "schedule": "none", "lr": 0.1}, 5, 3)
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.nesterov
    assert float(sgd.learning_rate) == pytest.approx(0.1)
    adam = make_optimizer({"optimizer": "adam", "clipnorm": 1.0}, 5, 3)
    assert isinstance(adam, keras.optimizers.Adam) and adam.clipnorm == 1.0
    with pytest.raises(ZooError, match="unknown optimizer"):
        make_optimizer({"optimizer": "lamb"}, 5, 3)


# --- checkpoints --------------------------------------------------------------------------------


def _tiny_model():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs))


@pytest.mark.model
def test_run_checkpoint_last_best_and_state(tmp_path):
    from zoo.api import load_model_file

    model = _tiny_model()
    ckpt = RunCheckpoint(tmp_path / "run", monitor="val_miou", mode="max")
    ckpt.set_model(model)
    ckpt.on_epoch_end(0, {"val_miou": 0.2})
    ckpt.on_epoch_end(1, {"val_miou": 0.1})
    state = resume_state(tmp_path / "run")
    assert state["epoch"] == 2 and state["best"] == pytest.approx(0.2)
    assert json.loads((tmp_path / "run" / "best.json").read_text())["epoch"] == 1
    assert load_model_file(tmp_path / "run" / "last.keras").get_layer("dense")
    ckpt.on_epoch_end(2, {"val_miou": float("nan")})
    assert resume_state(tmp_path / "run")["best"] == pytest.approx(0.2)
    assert resume_state(tmp_path / "fresh") == {"epoch": 0, "best": None}
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert names == ["best.json", "best.keras", "last.keras", "state.json"]


@pytest.mark.model
def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    from zoo.api import load_model_file

    model = _tiny_model()
    ckpt = RunCheckpoint(tmp_path, monitor="val_loss", mode="min")
    ckpt.set_model(model)
    ckpt.on_epoch_end(0, {"val_loss": 1.0})
    last = tmp_path / "last.keras"
    before = file_sha256(last)
    real_save = keras.Model.save

    def failing_save(self, path, *args, **kwargs):
        real_save(self, path, *args, **kwargs)
        with open(path, "r+b") as f:  # half-written, then the disk fills up
            f.truncate(100)
        raise OSError("No space left on device")

    monkeypatch.setattr(keras.Model, "save", failing_save)
    model.get_layer("dense").kernel.assign(np.ones((4, 2), "float32"))
    with pytest.raises(OSError, match="No space"):
        ckpt.on_epoch_end(1, {"val_loss": 2.0})
    monkeypatch.undo()
    assert file_sha256(last) == before
    assert resume_state(tmp_path)["epoch"] == 1
    restored = load_model_file(last)
    assert not np.all(restored.get_layer("dense").kernel.numpy() == 1.0)
    monkeypatch.setattr(keras.Model, "save", failing_save)
    with pytest.raises(OSError):
        save_model_atomic(model, tmp_path / "best.keras")
    monkeypatch.undo()
    assert load_model_file(tmp_path / "best.keras")


# --- a tiny training run, resumed ---------------------------------------------------------------


def _tiny_recipe(tmp_path, epochs: int) -> dict:
    recipe = tmp_path / "tiny.toml"
    recipe.write_text(
        'task = "segmentation"\nname = "tiny"\nseed = 0\n'
        '[model]\narchitecture = "fcn8s"\nbackbone = "litenet"\n'
        '[data]\ntrain_split = "train"\nval_split = "val"\ncrop = [64, 64]\n'
        "[train]\nbatch_size = 2\nval_batch_size = 2\nlr = 1e-3\njit_compile = false\n"
    )
    widths, depths = TINY_BACKBONE["widths"], TINY_BACKBONE["depths"]
    return load_recipe(
        recipe,
        [
            f"data.root={str(tmp_path / 'camvid')!r}",
            f"train.out_dir={str(tmp_path / 'run')!r}",
            f"train.epochs={epochs}",
            f"model.backbone_config={{ widths = {widths}, depths = {depths} }}",
        ],
    )


@pytest.mark.model
@pytest.mark.slow
def test_train_then_resume(tmp_path, monkeypatch):
    from zoo.api import load_model_file
    from zoo.segmentation.train import train_segmentation

    monkeypatch.setenv("ZOO_VERBOSE", "0")
    make_camvid(tmp_path / "camvid", {"train": 4, "val": 2}, size=(64, 64))
    run = tmp_path / "run"
    history = train_segmentation(_tiny_recipe(tmp_path, epochs=1))
    assert len(history.history["loss"]) == 1
    assert resume_state(run)["epoch"] == 1
    assert json.loads((run / "config.json").read_text())["train"]["epochs"] == 1
    first = file_sha256(run / "last.keras")

    history = train_segmentation(_tiny_recipe(tmp_path, epochs=2), resume=True)
    assert len(history.history["loss"]) == 1, "only epoch 2 should run"
    state = resume_state(run)
    assert state["epoch"] == 2 and state["monitor"] == "val_miou"
    assert file_sha256(run / "last.keras") != first
    with open(run / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert all(np.isfinite(float(r["loss"])) for r in rows)
    model = load_model_file(run / "best.keras")
    assert model.num_classes == 11 and model.ignore_index == 11
    with pytest.raises(ZooError, match="already finished"):
        train_segmentation(_tiny_recipe(tmp_path, epochs=2), resume=True)


@pytest.mark.model
def test_fresh_model_is_built_from_the_recipe(tmp_path):
    """The recipe's model section reaches the architecture (without training)."""
    config = _tiny_recipe(tmp_path, epochs=1)
    model_cfg = dict(config["model"])
    arch = model_cfg.pop("architecture")
    model = tiny_fcn(arch, 11, **model_cfg)
    assert model.backbone_config == TINY_BACKBONE


def _train_one_epoch_with(tmp_path, monkeypatch, key: str):
    """One epoch of the tiny recipe with ``train.<key> = ["litenet"]``; returns the trained
    model and its weights before training, by variable path."""
    from zoo.segmentation.train import train_segmentation

    monkeypatch.setenv("ZOO_VERBOSE", "0")
    make_camvid(tmp_path / "camvid", {"train": 4, "val": 2}, size=(64, 64))
    config = _tiny_recipe(tmp_path, epochs=1)
    config["train"][key] = ["litenet"]
    config_model = dict(config["model"])
    config_model.pop("architecture")
    start = tiny_fcn("fcn8s", 11, **config_model)
    before = {v.path: np.asarray(v.numpy()).copy() for v in start.weights}
    return train_segmentation(config, init_model=start).model, before


@pytest.mark.model
def test_freeze_keeps_the_backbone_while_the_head_learns(tmp_path, monkeypatch):
    """``train.freeze``: the named layers' weights (BatchNorm statistics included) are the
    initial ones after training, while the score layers moved."""
    model, before = _train_one_epoch_with(tmp_path, monkeypatch, "freeze")
    assert not model.get_layer("litenet").trainable
    frozen = [v for v in model.get_layer("litenet").weights]
    assert frozen
    for v in frozen:
        np.testing.assert_array_equal(np.asarray(v.numpy()), before[v.path], err_msg=v.path)
    score = model.get_layer("score_fr").kernel
    assert np.abs(np.asarray(score.numpy()) - before[score.path]).max() > 0


@pytest.mark.model
def test_freeze_batchnorm_keeps_statistics_while_the_convolutions_learn(tmp_path, monkeypatch):
    """``train.freeze_batchnorm``: the backbone's BatchNorm weights and statistics are the
    initial ones after training, while its convolutions moved."""
    model, before = _train_one_epoch_with(tmp_path, monkeypatch, "freeze_batchnorm")
    backbone = model.get_layer("litenet")
    norms = [
        x for x in backbone._flatten_layers() if isinstance(x, keras.layers.BatchNormalization)
    ]
    convs = [x for x in backbone._flatten_layers() if isinstance(x, keras.layers.Conv2D)]
    assert norms and convs
    for v in (w for layer in norms for w in layer.weights):
        np.testing.assert_array_equal(np.asarray(v.numpy()), before[v.path], err_msg=v.path)
    moved = [np.abs(np.asarray(c.kernel.numpy()) - before[c.kernel.path]).max() for c in convs]
    assert max(moved) > 0


@pytest.mark.model
def test_bad_loss_kind_and_unknown_frozen_layer_are_named(tmp_path, monkeypatch):
    from zoo.segmentation.train import train_segmentation

    monkeypatch.setenv("ZOO_VERBOSE", "0")
    make_camvid(tmp_path / "camvid", {"train": 2, "val": 1}, size=(64, 64))
    config = _tiny_recipe(tmp_path, epochs=1)
    config["train"]["jaccard"] = "dice"
    with pytest.raises(ZooError, match=r"train\.jaccard = 'dice': choose one of soft, lovasz"):
        train_segmentation(config)
    for key, value, message in [
        ("ohem_thresh", 70, r"train\.ohem_thresh = 70: a probability in \(0, 1\]"),
        ("ohem_min_kept", 0, r"train\.ohem_min_kept = 0: a pixel count of at least 1"),
    ]:
        config = _tiny_recipe(tmp_path, epochs=1)
        config["train"][key] = value
        with pytest.raises(ZooError, match=message):
            train_segmentation(config)
    config = _tiny_recipe(tmp_path, epochs=1)
    config["train"]["freeze_batchnorm"] = ["resnet"]
    with pytest.raises(ZooError, match=r"train\.freeze_batchnorm: the model has no layer 'resnet'"):
        train_segmentation(config)
