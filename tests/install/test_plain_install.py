"""A plain ``pip install .`` runs every command's main path: no dev extra, no source tree.

The virtual environment is made once per dependency list (``pyproject.toml`` + ``setup.py``)
under ``ZOO_TEST_VENVS`` (default ``~/.cache/zoo/test-venvs``) and kept: the first run installs
everything (minutes), later runs reinstall only ``zoo`` itself. The venv does not see the
system site-packages, the commands run from a temporary folder without ``PYTHONPATH``, so a
run-time need missing from ``dependencies`` fails here. Data are tiny real subsets made at
test time from ``$ZOO_DATA``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.install, pytest.mark.slow, pytest.mark.data]

ROOT = Path(__file__).resolve().parents[2]
SKIP_IN_COPY = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", "runs"
)


def _venv_dir() -> Path:
    key = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + (ROOT / "setup.py").read_bytes()
    ).hexdigest()[:12]
    base = Path(os.environ.get("ZOO_TEST_VENVS", Path.home() / ".cache" / "zoo" / "test-venvs"))
    return base / f"plain-py{sys.version_info[0]}{sys.version_info[1]}-{key}"


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "ZOO_WEIGHTS", "VIRTUAL_ENV", "PYTHONHOME")
    }
    env.update(ZOO_CACHE=str(tmp / "cache"), KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    return env


@pytest.fixture(scope="module")
def zoo_cli(tmp_path_factory):
    """A function running the installed ``zoo`` in a clean environment: ``(rc, out, err)``."""
    tmp = tmp_path_factory.mktemp("plain-install")
    venv = _venv_dir()
    python = venv / "bin" / "python"
    env = _clean_env(tmp)
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, env=env)
    source = tmp / "source"  # a copy: no stale build/ of the working tree gets into the wheel
    shutil.copytree(ROOT, source, ignore=SKIP_IN_COPY)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-compile", str(source)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    work = tmp / "work"
    work.mkdir()

    def run(*args: str) -> tuple[int, str, str]:
        done = subprocess.run(
            [str(venv / "bin" / "zoo"), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        return done.returncode, done.stdout, done.stderr

    run.work = work
    return run


def test_no_source_tree_on_the_path(zoo_cli):
    venv_python = _venv_dir() / "bin" / "python"
    done = subprocess.run(
        [str(venv_python), "-c", "import zoo, sys; print(zoo.__file__); print(sys.path)"],
        cwd=zoo_cli.work,
        env=_clean_env(zoo_cli.work),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "site-packages" in done.stdout.splitlines()[0]
    assert str(ROOT) not in done.stdout
    rc, out, _ = zoo_cli("list", "--json")
    assert rc == 0 and "yolo-fastest-xl-coco" in {r["name"] for r in json.loads(out)}


def test_segment_and_eval_segmentation(zoo_cli, zoo_data):
    zoo_data = zoo_data.resolve()  # the commands run from another folder
    val = sorted((zoo_data / "camvid" / "val").glob("*.jpg"))[:2]
    subset = zoo_cli.work / "camvid"
    for folder in ("val", "valannot"):
        (subset / folder).mkdir(parents=True)
    for image in val:
        shutil.copy(image, subset / "val" / image.name)
        label = zoo_data / "camvid" / "valannot" / f"{image.stem}.png"
        shutil.copy(label, subset / "valannot" / label.name)
    rc, out, err = zoo_cli("segment", *map(str, val), "--out", "seg", "-q")
    assert rc == 0, err
    assert (zoo_cli.work / "seg" / f"{val[0].stem}.png").is_file()
    rc, out, err = zoo_cli("eval", "fcn8s-camvid", "--data", str(subset), "--json")
    assert rc == 0, err
    scores = json.loads(out.strip().splitlines()[-1])
    assert scores["n_images"] == 2 and 0.3 < scores["pixel_acc"] <= 1


def test_detect_image_and_video_then_eval_detection(zoo_cli, zoo_data):
    zoo_data = zoo_data.resolve()  # the commands run from another folder
    import cv2

    coco = zoo_data / "coco128"
    raw = json.loads((coco / "annotations" / "instances_val2017.json").read_text())
    images = sorted(raw["images"], key=lambda im: im["file_name"])[:6]
    keep = {im["id"] for im in images}
    subset = zoo_cli.work / "coco"
    (subset / "annotations").mkdir(parents=True)
    (subset / "images").mkdir()
    for im in images:
        shutil.copy(coco / "images" / im["file_name"], subset / "images" / im["file_name"])
    small = {
        **raw,
        "images": images,
        "annotations": [a for a in raw["annotations"] if a["image_id"] in keep],
    }
    (subset / "annotations" / "instances_val2017.json").write_text(json.dumps(small))
    frames = [cv2.imread(str(subset / "images" / im["file_name"])) for im in images[:3]]
    frames = [cv2.resize(f, (320, 240)) for f in frames]
    writer = cv2.VideoWriter(
        str(zoo_cli.work / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 4.0, (320, 240)
    )
    for frame in frames:
        writer.write(frame)
    writer.release()

    first = subset / "images" / images[0]["file_name"]
    rc, out, err = zoo_cli(
        "detect", str(first), "clip.avi", "--json", "dets.json", "--out", "det", "-q"
    )
    assert rc == 0, err
    records = json.loads((zoo_cli.work / "dets.json").read_text())
    assert records[0]["image"] == str(first) and records[0]["detections"]
    assert [r["frame"] for r in records[1:]] == [0, 1, 2]
    assert (zoo_cli.work / "det" / "clip.avi").is_file()

    rc, out, err = zoo_cli("eval", "yolo-fastest-xl-coco", "--data", str(subset), "--json")
    assert rc == 0, err
    scores = json.loads(out.strip().splitlines()[-1])
    assert scores["n_images"] == 6 and scores["coco_ap50"] > 0.2

    rc, out, err = zoo_cli("data", "check", str(subset))
    assert rc == 0, err

    darknet = zoo_data / "darknet"
    rc, out, err = zoo_cli(
        "convert",
        "darknet",
        str(darknet / "yolo-fastest-1.1.cfg"),
        str(darknet / "yolo-fastest-1.1.weights"),
        "--names",
        str(darknet / "coco.names"),
        "--out",
        "small.keras",
    )
    assert rc == 0, err and (zoo_cli.work / "small.keras").is_file()


def test_translate_and_eval_translation(zoo_cli, zoo_data):
    zoo_data = zoo_data.resolve()  # the commands run from another folder
    subset = zoo_cli.work / "multi30k"
    subset.mkdir()
    for lang in ("en", "de"):
        with gzip.open(zoo_data / "multi30k" / f"val.{lang}.gz", "rt", encoding="utf-8") as f:
            lines = [next(f) for _ in range(8)]
        (subset / f"val.{lang}").write_text("".join(lines), encoding="utf-8")
    rc, out, err = zoo_cli("translate", "--input", str(subset / "val.en"), "--beam", "2", "-q")
    assert rc == 0, err
    assert len(out.splitlines()) == 8 and all(line.strip() for line in out.splitlines())
    rc, out, err = zoo_cli(
        "eval", "rnnsearch-multi30k-en-de", "--data", str(subset), "--beam", "2", "--json"
    )
    assert rc == 0, err
    scores = json.loads(out.strip().splitlines()[-1])
    assert scores["n_sentences"] == 8 and scores["bleu"] > 10
