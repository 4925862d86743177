"""``zoo finetune``: a trained segmentation model on new data, new classes replacing the head."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from foundation.helpers import make_camvid
from zoo.api import load_model_file
from zoo.cli import main

pytestmark = pytest.mark.slow

SMALL = [
    "--set", "data.crop=[64, 64]", "--set", "train.batch_size=2", "--set", "train.val_batch_size=2",
    "--set", "train.warmup_epochs=0",
]  # fmt: skip


def test_finetune_new_classes_replace_the_head(tiny_model_file, tmp_path):
    data = make_camvid(tmp_path / "camvid", {"train": 4, "val": 2})
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        ["finetune", str(tiny_model_file), "--data", str(data), "--epochs", "1", "--out", str(out),
         *SMALL],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    tuned = load_model_file(out / "best.keras")
    source = load_model_file(tiny_model_file)
    assert source.num_classes == 3 and tuned.num_classes == 11
    assert tuned.class_names[:2] == ["Sky", "Building"]
    assert tuned.get_layer("score_fr").kernel.shape[-1] == 11
    # the backbone came from the source model: its first kernel moved only by one short epoch
    first = next(v for v in source.weights if "stem_conv/kernel" in v.path)
    after = next(v for v in tuned.weights if "stem_conv/kernel" in v.path)
    src, dst = np.asarray(first.value), np.asarray(after.value)
    assert np.abs(dst - src).mean() < 0.5 * np.abs(src).mean()


def test_finetune_missing_data_is_one_line(tiny_model_file, tmp_path):
    result = CliRunner().invoke(
        main, ["finetune", str(tiny_model_file), "--data", str(tmp_path / "nope")]
    )
    assert result.exit_code != 0
    assert "nope" in result.output and "Traceback" not in result.output
