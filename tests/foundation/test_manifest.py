"""Schema of ``weights/manifest.json``: every record complete, checksummed and truthful."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from zoo.weights import REQUIRED_FIELDS, REQUIRED_METRICS, WEIGHTS_DIR, sha256_of

pytestmark = pytest.mark.model

HEX64 = re.compile(r"[0-9a-f]{64}")


def check_record(name: str, record: dict, weights_dir: Path, build: bool = True) -> list[str]:
    """Problems of one manifest record (empty when it is good).

    Checks the required fields, a 64-hex sha256 matching the file, the task's metric keys, the
    classes against ``config.num_classes`` and, with ``build``, ``num_params`` against the
    model ``create_model(name)`` builds from the record's config.
    """
    problems = [f"{name}: missing field {f!r}" for f in REQUIRED_FIELDS if f not in record]
    if problems:
        return problems
    sha = record["sha256"]
    if not (isinstance(sha, str) and HEX64.fullmatch(sha)):
        problems.append(f"{name}: sha256 {sha!r} is not 64 lowercase hex digits")
    path = weights_dir / record["file"]
    if not path.is_file():
        if not record.get("url"):
            problems.append(f"{name}: {path} does not exist and the record has no url")
    elif sha256_of(path) != sha:
        problems.append(f"{name}: {path} does not match its sha256")
    task = record["task"]
    if task not in REQUIRED_METRICS:
        problems.append(f"{name}: unknown task {task!r}")
    else:
        problems += [
            f"{name}: metrics lack {key!r}"
            for key in REQUIRED_METRICS[task]
            if key not in record["metrics"]
        ]
    classes, config = record["classes"], record["config"]
    num_classes = config.get("num_classes", config.get("vocab_size"))
    if task != "translation" and len(classes) != num_classes:
        problems.append(f"{name}: {len(classes)} classes but config num_classes={num_classes}")
    if task != "translation" and "per_class_iou" in record["metrics"]:
        per_class = record["metrics"]["per_class_iou"]
        if list(per_class) != list(classes):
            problems.append(f"{name}: per_class_iou keys differ from classes")
    if build and not problems:
        from zoo.api import create_model

        params = create_model(name).count_params()
        if params != record["num_params"]:
            problems.append(f"{name}: num_params {record['num_params']} but the model has {params}")
    return problems


def _real_records() -> dict:
    path = WEIGHTS_DIR / "manifest.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text())["models"]


REAL = _real_records()


NO_RECORDS = pytest.mark.skip(reason="weights/manifest.json has no records yet")


@pytest.mark.parametrize("name", sorted(REAL) or [pytest.param("none", marks=NO_RECORDS)])
def test_real_manifest_record(name, monkeypatch):
    """Each record of the project's manifest passes :func:`check_record`."""
    monkeypatch.setenv("ZOO_WEIGHTS", str(WEIGHTS_DIR))
    assert check_record(name, REAL[name], WEIGHTS_DIR) == []


def test_checker_accepts_a_good_record(weights_env):
    assert check_record(weights_env.name, weights_env.record, weights_env.dir) == []


def _bad(record: dict, edit) -> dict:
    record = copy.deepcopy(record)
    edit(record)
    return record


BAD_EDITS = {
    "missing field": (lambda r: r.pop("dataset_licence"), "missing field 'dataset_licence'"),
    "short sha256": (lambda r: r.update(sha256="abc"), "not 64 lowercase hex"),
    "wrong sha256": (lambda r: r.update(sha256="0" * 64), "does not match its sha256"),
    "missing file": (lambda r: r.update(file="absent.keras"), "does not exist"),
    "missing metric": (lambda r: r["metrics"].pop("fw_iou"), "metrics lack 'fw_iou'"),
    "classes": (lambda r: r["classes"].append("extra"), "4 classes but config num_classes=3"),
    "num_params": (lambda r: r.update(num_params=r["num_params"] + 1), "num_params"),
}


@pytest.mark.parametrize("case", sorted(BAD_EDITS))
def test_checker_finds_each_problem(weights_env, case):
    from zoo.weights import write_manifest

    edit, expected = BAD_EDITS[case]
    record = _bad(weights_env.record, edit)
    write_manifest({weights_env.name: record})  # num_params is checked on the built record
    problems = check_record(weights_env.name, record, weights_env.dir)
    assert any(expected in p for p in problems), problems
