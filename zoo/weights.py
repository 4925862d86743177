"""Weights records (``weights/manifest.json``), checksum verification and the download cache.

Each record says what a trained model is: its file and sha256, the architecture and config it
was built with, preprocessing, class names, the metrics ``zoo eval`` measured with the exact
command, the training command and recipe, the dataset and its licence, and ``num_params``.
Loading always verifies the sha256; a missing, truncated or altered file is refused.

Example:
    >>> from zoo.weights import manifest, resolve_weights
    >>> record = manifest()["fcn8s-camvid"]  # doctest: +SKIP
    >>> path = resolve_weights(record)        # verified local path  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from zoo.errors import WeightsError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
MANIFEST_NAME = "manifest.json"

REQUIRED_FIELDS = (
    "file",
    "sha256",
    "task",
    "architecture",
    "config",
    "preprocessing",
    "classes",
    "metrics",
    "eval_command",
    "train_command",
    "recipe",
    "dataset",
    "dataset_licence",
    "num_params",
)
REQUIRED_METRICS = {
    "segmentation": ("miou", "pixel_acc", "mean_acc", "fw_iou", "per_class_iou", "n_images"),
    "detection": ("ap50", "ap50_voc07", "coco_ap", "coco_ap50", "coco_ap75", "per_class_ap50"),
    "translation": ("bleu", "chrf", "signature", "n_sentences", "beam"),
}
# a driving model: its segmentation scores, and its detection scores under "detection"
REQUIRED_METRICS["drive"] = (*REQUIRED_METRICS["segmentation"], "detection")


def weights_dir() -> Path:
    """The folder holding the manifest and the project's weights.

    ``ZOO_WEIGHTS`` overrides; otherwise the checkout's ``weights/`` (source tree or editable
    install), else the copy a regular install ships as the ``zoo._weights`` package data.
    """
    if "ZOO_WEIGHTS" in os.environ:
        return Path(os.environ["ZOO_WEIGHTS"])
    if (WEIGHTS_DIR / MANIFEST_NAME).is_file():
        return WEIGHTS_DIR
    installed = Path(__file__).resolve().parent / "_weights"
    return installed if (installed / MANIFEST_NAME).is_file() else WEIGHTS_DIR


def cache_dir() -> Path:
    """The download cache, ``ZOO_CACHE`` (default ``~/.cache/zoo``)."""
    return Path(os.environ.get("ZOO_CACHE", Path.home() / ".cache" / "zoo")).expanduser()


@lru_cache(maxsize=4)
def _read_manifest(path: str, mtime: float) -> dict[str, dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data.get("models", {})


def manifest() -> dict[str, dict[str, Any]]:
    """All weights records by model name (empty when there is no manifest)."""
    path = weights_dir() / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        return dict(_read_manifest(str(path), path.stat().st_mtime))
    except json.JSONDecodeError as exc:
        raise WeightsError(f"{path}: not valid JSON ({exc})") from exc


def sha256_of(path: str | os.PathLike) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: Path, expected_sha256: str, name: str = "") -> Path:
    """Return ``path`` if its sha256 is ``expected_sha256``, else raise :class:`WeightsError`."""
    label = f" for {name}" if name else ""
    if not path.is_file():
        raise WeightsError(
            f"{path}: weights file{label} is missing; restore it (git checkout -- {path.name}) "
            "or download it again"
        )
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise WeightsError(
            f"{path}: sha256 mismatch{label} (expected {expected_sha256[:12]}..., got "
            f"{actual[:12]}...): the file is corrupted or truncated; delete it and restore or "
            "download it again"
        )
    return path


def resolve_weights(record: dict[str, Any], name: str = "") -> Path:
    """A verified local path to a record's weights file.

    The file is looked for in ``weights/``; a record with a ``url`` is downloaded through
    ``keras.utils.get_file`` (checked against its sha256) into the cache. Processes fetching
    the same file at once take turns (a lock file beside it); the file appears only whole and
    verified (downloaded aside, renamed into place).
    """
    local = weights_dir() / record["file"]
    if local.is_file() or not record.get("url"):
        return verify_file(local, record["sha256"], name)
    cached = cache_dir() / record["file"]
    if cached.is_file():
        return verify_file(cached, record["sha256"], name)
    cache_dir().mkdir(parents=True, exist_ok=True)
    with _fetch_lock(cached):  # one process fetches; the others then find its verified file
        if not cached.is_file():
            _fetch(record, cached, name)
    return verify_file(cached, record["sha256"], name)


def _fetch(record: dict[str, Any], cached: Path, name: str) -> None:
    """Download into a private folder of the cache, verify, then rename into place: a reader
    never sees a partial file, and an interrupted download leaves nothing behind."""
    import keras

    staging = Path(tempfile.mkdtemp(prefix=f".{cached.name}.", dir=cached.parent))
    try:
        downloaded = keras.utils.get_file(
            fname=record["file"],
            origin=record["url"],
            file_hash=record["sha256"],
            hash_algorithm="sha256",
            cache_dir=str(staging),
            cache_subdir=".",
        )
        verify_file(Path(downloaded), record["sha256"], name)
        os.replace(downloaded, cached)
    except WeightsError:
        raise
    except Exception as exc:  # network errors and hash mismatches alike
        raise WeightsError(
            f"{cached}: could not download {record['url']} ({exc}); check the network, or put "
            "the file there by hand"
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _fetch_lock(cached: Path):
    """An exclusive lock on ``.<file>.lock`` beside ``cached`` (no-op where fcntl is absent)."""
    try:
        import fcntl
    except ImportError:  # Windows: the atomic rename alone keeps the cached file whole
        yield
        return
    with open(cached.with_name(f".{cached.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_manifest(records: dict[str, dict[str, Any]]) -> Path:
    """Write ``records`` as the manifest (sorted, atomically)."""
    path = weights_dir() / MANIFEST_NAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"models": dict(sorted(records.items()))}, indent=2) + "\n")
    os.replace(tmp, path)
    _read_manifest.cache_clear()
    return path
