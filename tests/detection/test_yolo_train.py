"""Detection training: recipes, datasets and split, the loader, a tiny resumable run, tfds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from zoo.detection.loader import Augment, DetectionLoader
from zoo.detection.train import dataset_for_config, to_model_classes, train_detection
from zoo.detection.yolo import YOLODetector
from zoo.errors import DataError
from zoo.training.recipe import load_recipe

from .fixtures import make_voc

RECIPES = Path(__file__).resolve().parents[2] / "apps" / "detection" / "recipes"
TINY_MODEL = {
    "architecture": "yolov3-lite",
    "input_size": [64, 64],
    "strides": [16, 32],
    "backbone_config": {"widths": [16, 16, 32, 32, 64], "depths": [1, 1, 1, 1, 1]},
    "neck_channels": [16, 32, 32],
}


def tiny_config(root, out_dir, **train):
    return {
        "task": "detection",
        "seed": 0,
        "model": dict(TINY_MODEL),
        "data": {"root": str(root), "val_fraction": 0.5, "mosaic": 0.5},
        "train": {
            "epochs": 2,
            "batch_size": 2,
            "val_batch_size": 2,
            "lr": 1e-3,
            "eval_every": 1,
            "jit_compile": False,
            "out_dir": str(out_dir),
            **train,
        },
    }


@pytest.mark.parametrize("name", sorted(p.name for p in RECIPES.glob("*.toml")))
def test_recipes_load(name):
    config = load_recipe(RECIPES / name)
    assert config["task"] == "detection"
    assert config["model"]["architecture"] in ("yolov3-lite", "darknet-yolo")
    assert {"epochs", "batch_size", "lr", "out_dir"} <= set(config["train"])


@pytest.mark.data
def test_wildlife_split_is_deterministic(zoo_data):
    config = load_recipe(RECIPES / "yolo_wildlife.toml")
    train, val = dataset_for_config(config)
    assert train.class_names == ["raccoon", "kangaroo"] and len(train) + len(val) == 292
    again = dataset_for_config(config)[1]
    assert [s.image_path for s in val] == [s.image_path for s in again]
    assert not {s.image_path for s in val} & {s.image_path for s in train}
    assert all(n > 10 for n in val.class_counts().values())


def test_loader_batches_and_targets(tmp_path):
    ds = read_tiny(tmp_path)
    model = YOLODetector(num_classes=2, class_names=ds.class_names, **_model_kwargs())
    plain = DetectionLoader(ds, model, batch_size=3)
    x, y = plain[0]
    assert x.shape == (3, 64, 64, 3) and x.dtype == np.float32
    assert y["s16"].shape == (3, 4, 4, 3, 7) and y["boxes"].shape == (3, 100, 4)
    n_targets = y["s16"][..., 4].sum() + y["s32"][..., 4].sum()
    n_easy = sum(int((~s.difficult).sum()) for s in ds.samples[:3])
    assert n_targets == n_easy  # difficult boxes are never targets
    train = DetectionLoader(ds, model, batch_size=2, augment=Augment(mosaic=1.0), shuffle=True)
    a = train[1]
    np.testing.assert_array_equal(a[0], train[1][0])  # reproducible per epoch and batch
    train.on_epoch_end()
    assert not np.array_equal(a[0], train[1][0])


def test_unknown_dataset_class_is_an_error(tmp_path):
    ds = read_tiny(tmp_path)
    with pytest.raises(DataError, match="dog"):
        to_model_classes(ds, ["cat"])


@pytest.mark.slow
def test_tiny_training_run_and_resume(tmp_path):
    root = make_voc(tmp_path / "voc")
    out = tmp_path / "run"
    history = train_detection(tiny_config(root, out))
    assert len(history.history["loss"]) == 2
    for name in ("config.json", "last.keras", "best.keras", "log.csv", "state.json"):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader((out / "log.csv").open()))
    assert len(rows) == 2 and "val_ap50" in rows[0]
    resolved = json.loads((out / "config.json").read_text())
    assert resolved["model"]["architecture"] == "yolov3-lite"
    history = train_detection(tiny_config(root, out, epochs=3), resume=True)
    assert len(history.history["loss"]) == 1
    assert json.loads((out / "state.json").read_text())["epoch"] == 3


def test_tfds_source_on_mock_data(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    config = {
        "data": {
            "tfds": "coco/2017",
            "train_split": "train",
            "val_split": "validation",
            "cache_dir": str(tmp_path),
        },
    }
    with tfds.testing.mock_data(num_examples=3):
        train, val = dataset_for_config(config)
    assert len(train) == 3 and len(val) == 3 and train.num_classes == 80
    s = train.samples[0]
    assert s.image_path.is_file() and s.boxes.shape[1] == 4
    assert (s.boxes[:, 2] <= s.width + 1e-3).all() and (s.boxes[:, 3] <= s.height + 1e-3).all()
    # a second read uses the exported index, no tfds needed
    again = dataset_for_config(config)[0]
    assert [x.image_path for x in again] == [x.image_path for x in train]


def read_tiny(tmp_path):
    from zoo.detection.data import read_detection_dataset

    return read_detection_dataset(make_voc(tmp_path / "voc"))


def _model_kwargs():
    kw = dict(TINY_MODEL)
    kw.pop("architecture")
    return kw
