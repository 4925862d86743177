"""evaluate_detection: class matching by name/alias, unmatched classes, perfect detections."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.detection.data import match_classes, read_detection_dataset
from zoo.detection.evaluate import EVAL_SETTINGS, evaluate_detection
from zoo.errors import DataError

from .fixtures import make_coco, make_voc


class TruthModel:
    """A stand-in detector returning each image's ground truth (in its own class order)."""

    def __init__(self, dataset, class_names, noise=0.0):
        self.class_names = class_names
        self.samples = iter(dataset.samples)
        self.to_model = match_classes(dataset.class_names, class_names)[0]
        self.noise = noise
        self.settings = None

    def detect(self, images, batch_size=8, **settings):
        self.settings = settings
        out = []
        for _ in images:
            s = next(self.samples)
            keep = np.array([int(lab) in self.to_model for lab in s.labels], bool)
            labels = np.array([self.to_model[int(lab)] for lab in s.labels[keep]], np.int64)
            out.append(
                {
                    "boxes": s.boxes[keep] + self.noise,
                    "scores": np.linspace(0.9, 0.5, keep.sum()),
                    "labels": labels,
                }
            )
        return out


def test_perfect_detections_score_one(tmp_path):
    root = make_voc(tmp_path / "voc")
    ds = read_detection_dataset(root)
    model = TruthModel(ds, ["Dog", "cat", "bird"])
    scores = evaluate_detection(model, root, split=None, batch_size=3)
    assert scores["ap50"] == pytest.approx(1.0) and scores["coco_ap"] == pytest.approx(1.0)
    assert scores["n_images"] == 4 and scores["unmatched_classes"] == []
    assert set(scores["per_class_ap50"]) == {"cat", "dog"}
    assert model.settings == {**EVAL_SETTINGS}


def test_unmatched_classes_named_on_stderr(tmp_path, capsys):
    root = make_coco(tmp_path / "coco")
    ds = read_detection_dataset(root, "val")
    model = TruthModel(ds, ["kitty", "cat", "dog"])  # no zebra
    scores = evaluate_detection(model, root, "val")
    assert scores["unmatched_classes"] == ["zebra"]
    assert "zebra" in capsys.readouterr().err
    assert set(scores["per_class_ap50"]) == {"cat", "dog"}
    with pytest.raises(DataError, match="none of the dataset's classes"):
        evaluate_detection(TruthModel(ds, ["car"]), root, "val")


def test_missing_val_split_falls_back_to_all_images(tmp_path, capsys):
    root = make_voc(tmp_path / "voc")
    ds = read_detection_dataset(root)
    scores = evaluate_detection(TruthModel(ds, ["cat", "dog"]), root, "val")
    assert scores["n_images"] == 4 and "no 'val' split" in capsys.readouterr().err
