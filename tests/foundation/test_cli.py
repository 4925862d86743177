"""The ``zoo`` command line: commands, JSON output, and one stderr line per user mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from foundation.helpers import make_camvid, seed_weights, tiny_fcn, write_png
from zoo.cli import main
from zoo.segmentation.data.readers import CAMVID_CLASSES

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("segment", "eval", "train", "finetune", "convert", "export", "list", "info", "data")
COMMANDS += ("anchors", "average")


def zoo(*args, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run ``python -m zoo ARGS`` in a fresh process (the real exit code and stderr)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "zoo", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
    )


def invoke(*args) -> object:
    """Run the CLI in this process (click's runner; stdout and stderr kept apart)."""
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="zoo")


def assert_one_error_line(result, *fragments: str) -> str:
    """Non-zero exit, no traceback, exactly one ``zoo ...: error: ...`` line on stderr."""
    stderr = result.stderr
    code = result.returncode if hasattr(result, "returncode") else result.exit_code
    assert code != 0, stderr
    assert "Traceback" not in stderr and "Traceback" not in (result.stdout or "")
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("zoo") and ": error: " in line, line
    for fragment in fragments:
        assert fragment in line, line
    return line


@pytest.fixture(autouse=True)
def _empty_weights(tmp_path, monkeypatch):
    """No trained models unless a test asks for ``weights_env`` (which sets its own)."""
    (tmp_path / "no_weights").mkdir()
    monkeypatch.setenv("ZOO_WEIGHTS", str(tmp_path / "no_weights"))


@pytest.fixture(scope="module")
def camvid_model_file(tmp_path_factory) -> Path:
    """A tiny 11-class FCN-8s with CamVid's class names, saved as ``.keras``."""
    model = tiny_fcn("fcn8s", 11, class_names=list(CAMVID_CLASSES), ignore_index=11)
    seed_weights(model, skip=("upscore",))
    path = tmp_path_factory.mktemp("cli") / "tiny_camvid.keras"
    model.save(path)
    return path


# --- help and listing ---------------------------------------------------------------------------


def test_help_lists_the_commands():
    result = zoo("--help")
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line}
    assert set(COMMANDS) <= listed
    assert result.stderr == ""


def test_bare_zoo_shows_help_not_an_error():
    result = invoke()
    assert result.exit_code != 0
    assert "Commands:" in result.stdout
    assert "error" not in result.stderr


def test_list_json_is_valid(weights_env):
    result = invoke("list", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["name"] for row in rows] == [weights_env.name]
    assert rows[0]["sha256"] == weights_env.record["sha256"]
    assert rows[0]["classes"] == weights_env.record["classes"]
    everything = json.loads(invoke("list", "--all", "--json").stdout)
    assert {"fcn8s", "fcn16s", "fcn32s", weights_env.name} <= {row["name"] for row in everything}
    text = invoke("list")
    assert text.exit_code == 0 and weights_env.name in text.stdout


@pytest.mark.model
def test_info_of_a_record_and_of_a_file(weights_env, tiny_model_file):
    record = json.loads(invoke("info", weights_env.name).stdout)
    assert record["name"] == weights_env.name and record["file"] == weights_env.record["file"]
    result = invoke("info", tiny_model_file)
    assert result.exit_code == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["class"] == "FCN" and info["task"] == "segmentation"
    assert info["num_params"] == weights_env.record["num_params"]


@pytest.mark.model
def test_export_keras(weights_env, tmp_path):
    from zoo.api import load_model_file
    from zoo.weights import sha256_of

    out = tmp_path / "exported.keras"
    result = invoke("export", weights_env.name, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sha256_of(out) == weights_env.record["sha256"]
    out2 = tmp_path / "from_file.keras"
    assert invoke("export", weights_env.path, "--out", out2).exit_code == 0
    assert load_model_file(out2).num_classes == 3


# --- one line per user mistake ------------------------------------------------------------------


def test_unknown_model_is_one_line_in_a_real_process():
    """Loading Keras/TensorFlow must not add log lines to stderr."""
    assert_one_error_line(zoo("info", "no-such-model"), "no-such-model")


def test_bad_flag_is_one_line_in_a_real_process():
    result = zoo("list", "--bogus")
    assert result.returncode == 2
    assert_one_error_line(result, "--bogus")


def test_missing_input_file(tmp_path):
    assert_one_error_line(invoke("segment", tmp_path / "absent.jpg"), "absent.jpg")


def test_missing_model_file(tmp_path):
    image = write_png(tmp_path / "a.png", np.zeros((8, 8, 3), np.uint8))
    line = assert_one_error_line(
        invoke("segment", image, "--model", tmp_path / "absent.keras"), "absent.keras"
    )
    assert "no such model file" in line


def test_unknown_model(tmp_path):
    assert_one_error_line(invoke("eval", "no-such-model", "--data", tmp_path), "no-such-model")
    assert_one_error_line(invoke("info", "no-such-model"), "no-such-model")


def test_no_default_model_without_manifest(tmp_path):
    image = write_png(tmp_path / "a.png", np.zeros((8, 8, 3), np.uint8))
    assert_one_error_line(invoke("segment", image), "--model")


def test_bad_flags_and_values(tmp_path):
    assert_one_error_line(invoke("list", "--bogus"), "--bogus")
    assert_one_error_line(invoke("segment", tmp_path, "--alpha", "2"), "--alpha")
    assert_one_error_line(invoke("eval", "m"), "--data")
    assert_one_error_line(invoke("no-such-command"), "no-such-command")


def test_bad_data_folder(tmp_path, camvid_model_file):
    assert_one_error_line(
        invoke("eval", camvid_model_file, "--data", tmp_path / "absent"), "absent"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_error_line(invoke("eval", camvid_model_file, "--data", empty), str(empty))


def test_corrupt_model_file(tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert_one_error_line(invoke("info", bad), "broken.keras")


@pytest.mark.model
def test_unwritable_output(tmp_path, tiny_model_file):
    image = write_png(tmp_path / "a.png", np.zeros((8, 8, 3), np.uint8))
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    out = blocker / "masks"
    line = assert_one_error_line(invoke("segment", image, "--model", tiny_model_file, "--out", out))
    assert str(out) in line
    target = tmp_path / "absent_dir" / "x.keras"
    assert_one_error_line(invoke("export", tiny_model_file, "--out", target), str(target))


def test_broken_manifest(tmp_path, monkeypatch):
    folder = tmp_path / "broken_weights"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"models": {')
    monkeypatch.setenv("ZOO_WEIGHTS", str(folder))
    assert_one_error_line(invoke("list"), "manifest.json", "not valid JSON")


def test_recipe_mistakes(tmp_path):
    assert_one_error_line(invoke("train", tmp_path / "absent.toml"), "absent.toml")
    recipe = tmp_path / "r.toml"
    recipe.write_text('task = "segmentation"\n')
    assert_one_error_line(invoke("train", recipe, "not-an-override"), "KEY=VALUE")
    recipe.write_text("task = [unclosed\n")
    assert_one_error_line(invoke("train", recipe), "invalid TOML")


# --- segment and eval ---------------------------------------------------------------------------


@pytest.mark.model
def test_segment_writes_masks_and_reports_the_corrupt_image(tmp_path, tiny_model_file):
    rng = np.random.default_rng(0)
    inputs = tmp_path / "in"
    good = {
        "street": write_png(inputs / "street.png", rng.integers(0, 256, (37, 53, 3), np.uint8)),
        "field": inputs / "field.jpg",
    }
    cv2.imwrite(str(good["field"]), rng.integers(0, 256, (48, 30, 3), np.uint8))
    bad = inputs / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    out = tmp_path / "out"
    result = zoo("segment", inputs, "--model", tiny_model_file, "--out", out)
    assert result.returncode == 1
    assert_one_error_line(result, "broken.jpg")
    for stem, path in good.items():
        mask = cv2.imread(str(out / f"{stem}.png"), cv2.IMREAD_UNCHANGED)
        image = cv2.imread(str(path))
        assert mask is not None and mask.dtype == np.uint8 and mask.ndim == 2
        assert mask.shape == image.shape[:2]
        assert mask.max() < 3
        overlay = cv2.imread(str(out / f"{stem}_overlay.jpg"))
        assert overlay is not None and overlay.shape[1:] == image.shape[1:]
        assert overlay.shape[0] > image.shape[0]  # the legend is a band below the picture
    assert not (out / "broken.png").exists()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "field.png",
        "field_overlay.jpg",
        "street.png",
        "street_overlay.jpg",
    ]


@pytest.mark.model
def test_segment_in_process_all_good(tmp_path, tiny_model_file):
    image = write_png(tmp_path / "one.png", np.full((21, 34, 3), 90, np.uint8))
    result = invoke("segment", image, "--model", tiny_model_file, "--out", tmp_path / "o")
    assert result.exit_code == 0, result.stderr
    mask = cv2.imread(str(tmp_path / "o" / "one.png"), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (21, 34) and mask.dtype == np.uint8


@pytest.mark.model
def test_eval_json(tmp_path, camvid_model_file):
    data = make_camvid(tmp_path / "camvid", {"val": 3}, size=(40, 56))
    result = invoke("eval", camvid_model_file, "--data", data, "--split", "val", "--json")
    assert result.exit_code == 0, result.stderr
    scores = json.loads(result.stdout)
    assert {"miou", "pixel_acc", "mean_acc", "fw_iou", "per_class_iou", "n_images"} <= set(scores)
    assert scores["n_images"] == 3
    assert list(scores["per_class_iou"]) == list(CAMVID_CLASSES)
    for key in ("miou", "pixel_acc", "mean_acc", "fw_iou"):
        assert 0.0 <= scores[key] <= 1.0


@pytest.mark.model
def test_eval_rejects_a_model_with_other_classes(tmp_path, tiny_model_file):
    data = make_camvid(tmp_path / "camvid", {"val": 1}, size=(32, 32))
    assert_one_error_line(
        invoke("eval", tiny_model_file, "--data", data, "--split", "val"), "11 classes"
    )
