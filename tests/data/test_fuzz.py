"""Property-based tests (hypothesis): broken images, VOC XML, COCO JSON, YOLO labels, masks and
text never end in a traceback; each problem is named; every good sample is kept.

Seeds are real files (a raccoon photo, CamVid masks) mutated at test time. Example counts are
small so that the suite stays fast on CI (``ZOO_FUZZ_EXAMPLES`` raises them).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoo.data.images import read_image
from zoo.detection.data import check_detection_dataset, read_detection_dataset
from zoo.detection.data.problems import Problems
from zoo.errors import DataError
from zoo.segmentation.data.check import check_segmentation_dataset
from zoo.translation.long_lines import clean_line, split_to_window

pytestmark = pytest.mark.data
# ZOO_FUZZ_EXAMPLES=500 for a longer hunt by hand; CI keeps the small default.
FAST = settings(
    max_examples=int(os.environ.get("ZOO_FUZZ_EXAMPLES", 12)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def photo(zoo_data_module):
    return zoo_data_module / "raccoon" / "images" / "raccoon-1.jpg"


@pytest.fixture(scope="module")
def zoo_data_module():
    from zoo.data.paths import data_root

    root = data_root()
    if not root.is_dir():
        pytest.skip(f"shared data folder {root} not found (set ZOO_DATA)")
    return root


# -- images ---------------------------------------------------------------------------------
edits = st.lists(
    st.tuples(st.sampled_from(["cut", "flip", "insert", "prefix"]), st.floats(0, 1), st.binary()),
    min_size=1,
    max_size=3,
)


def mutate(data: bytes, steps) -> bytes:
    for kind, where, extra in steps:
        at = int(where * len(data))
        if kind == "cut":
            data = data[:at]
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + extra + data[at:]
        else:
            data = extra + data
    return data


@FAST
@given(steps=edits, png=st.booleans())
def test_broken_images_decode_or_are_named(photo, steps, png):
    data = photo.read_bytes()
    if png:
        data = cv2.imencode(".png", cv2.imread(str(photo))[::4, ::4])[1].tobytes()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("broken.png" if png else "broken.jpg")
        path.write_bytes(mutate(data, steps))
        try:
            image = read_image(path)
        except DataError as err:
            message = str(err)
            assert message.startswith(str(path)) and "\n" not in message
        else:
            assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


# -- VOC XML ----------------------------------------------------------------------------------
numbers = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=5),
)
xml_objects = st.lists(
    st.tuples(st.sampled_from(["raccoon", "", "zebra"]), st.lists(numbers, min_size=0, max_size=4)),
    max_size=3,
)
filenames = st.one_of(
    st.just("raccoon-1.jpg"), st.just("../raccoon-1.jpg"), st.just("/etc/passwd"),
    st.text(max_size=12),
)  # fmt: skip


def xml_text(filename: str, size: list[str], objects) -> str:
    tags = ("xmin", "ymin", "xmax", "ymax")
    parts = [f"<annotation><filename>{_esc(filename)}</filename>"]
    if size:
        parts.append(
            f"<size><width>{_esc(size[0])}</width><height>{_esc(size[-1])}</height></size>"
        )
    for name, values in objects:
        box = "".join(f"<{t}>{_esc(v)}</{t}>" for t, v in zip(tags, values, strict=False))
        parts.append(f"<object><name>{_esc(name)}</name><bndbox>{box}</bndbox></object>")
    return "".join(parts) + "</annotation>"


def _esc(text: str) -> str:
    return "".join(c for c in text if c.isprintable()).replace("&", "&amp;").replace("<", "&lt;")


@FAST
@given(
    filename=filenames,
    size=st.lists(numbers, max_size=2),
    objects=xml_objects,
    garbage=st.one_of(st.none(), st.binary(max_size=40)),
)
def test_voc_xml_fuzz(photo, filename, size, objects, garbage):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "voc"
        (root / "images").mkdir(parents=True)
        (root / "annotations").mkdir()
        shutil.copy(photo, root / "images" / "raccoon-1.jpg")
        shutil.copy(photo, root / "images" / "good.jpg")
        good = xml_text("good.jpg", [], [("raccoon", ["10", "10", "60", "60"])])
        (root / "annotations" / "good.xml").write_text(good)
        fuzzed = root / "annotations" / "fuzzed.xml"
        if garbage is None:
            fuzzed.write_text(xml_text(filename, size, objects))
        else:
            fuzzed.write_bytes(garbage)
        lines = check_detection_dataset(root, class_names=["raccoon"])
        assert all("\n" not in line and str(root) in line for line in lines)
        assert not any("good.xml" in line for line in lines)
        problems = Problems(skip_errors=True)
        dataset = read_detection_dataset(root, class_names=["raccoon"], problems=problems)
        names = [s.image_path.name for s in dataset.samples]
        assert "good.jpg" in names
        good_sample = dataset.samples[names.index("good.jpg")]
        assert good_sample.boxes.tolist() == [[10, 10, 60, 60]]
        for sample in dataset.samples:
            assert np.isfinite(sample.boxes).all()
            assert (sample.boxes[:, 2:] > sample.boxes[:, :2]).all()


# -- COCO JSON --------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
image_entries = st.fixed_dictionaries(
    {
        "id": st.one_of(st.integers(1, 4), json_values),
        "file_name": st.one_of(filenames, json_values),
    }
)
ann_entries = st.fixed_dictionaries(
    {
        "id": st.integers(0, 100),
        "image_id": st.one_of(st.integers(0, 5), json_values),
        "category_id": st.one_of(st.just(1), json_values),
        "bbox": st.one_of(st.lists(st.floats(allow_nan=True), max_size=5), json_values),
    }
)


@FAST
@given(images=st.lists(image_entries, max_size=4), anns=st.lists(ann_entries, max_size=4))
def test_coco_json_fuzz(photo, images, anns):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "coco"
        (root / "images").mkdir(parents=True)
        (root / "annotations").mkdir()
        shutil.copy(photo, root / "images" / "raccoon-1.jpg")
        shutil.copy(photo, root / "images" / "good.jpg")
        good_image = {"id": 1000, "file_name": "good.jpg"}
        good_ann = {"id": 5000, "image_id": 1000, "category_id": 1, "bbox": [10, 10, 50, 50]}
        data = {
            "images": [good_image, *images],
            "annotations": [good_ann, *anns],
            "categories": [{"id": 1, "name": "raccoon"}],
        }
        (root / "annotations" / "instances_val.json").write_text(json.dumps(data))
        lines = check_detection_dataset(root)
        assert all("\n" not in line for line in lines)
        assert not any("good.jpg" in line or "5000" in line for line in lines)
        dataset = read_detection_dataset(root, problems=Problems(skip_errors=True))
        good = [s for s in dataset.samples if s.image_path.name == "good.jpg"]
        assert len(good) == 1 and good[0].boxes.tolist()[0] == [10, 10, 60, 60]


# -- YOLO labels ------------------------------------------------------------------------------
label_lines = st.lists(
    st.one_of(
        st.lists(st.floats(-2, 3), min_size=5, max_size=5).map(
            lambda v: f"{int(abs(v[0])) % 3} " + " ".join(f"{x:.3f}" for x in v[1:])
        ),
        st.text(max_size=30),
        st.sampled_from(["0 nan 0.5 0.1 0.1", "1e999 0.5 0.5 0.1 0.1", "0.5 0.5 0.5 0.1 0.1"]),
    ),
    max_size=5,
)


@FAST
@given(lines=label_lines, raw=st.one_of(st.none(), st.binary(max_size=30)))
def test_yolo_labels_fuzz(photo, lines, raw):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "yolo"
        (root / "images").mkdir(parents=True)
        (root / "labels").mkdir()
        for stem in ("good", "fuzzed"):
            shutil.copy(photo, root / "images" / f"{stem}.jpg")
        (root / "labels" / "good.txt").write_text("0 0.5 0.5 0.2 0.2\n")
        fuzzed = root / "labels" / "fuzzed.txt"
        if raw is None:
            fuzzed.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        else:
            fuzzed.write_bytes(raw)
        (root / "data.yaml").write_text("train: images\nnames: [raccoon]\n")
        problems = check_detection_dataset(root)
        assert all("\n" not in p and "fuzzed.txt" in p for p in problems), problems
        dataset = read_detection_dataset(root, "train", problems=Problems(skip_errors=True))
        good = [s for s in dataset.samples if s.image_path.name == "good.jpg"]
        assert len(good) == 1 and len(good[0].boxes) == 1
        assert all(np.isfinite(s.boxes).all() for s in dataset.samples)


# -- masks ------------------------------------------------------------------------------------
@FAST
@given(
    values=st.lists(st.integers(0, 255), min_size=1, max_size=6),
    depth=st.sampled_from([np.uint8, np.uint16]),
    shape=st.sampled_from(["same", "smaller", "garbage"]),
)
def test_mask_fuzz(zoo_data_module, values, depth, shape):
    camvid = zoo_data_module / "camvid"
    image = sorted((camvid / "val").glob("*.jpg"))[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "camvid"
        (root / "val").mkdir(parents=True)
        (root / "valannot").mkdir()
        for stem in ("good", "fuzzed"):
            shutil.copy(image, root / "val" / f"{stem}.jpg")
        shutil.copy(camvid / "valannot" / f"{image.stem}.png", root / "valannot" / "good.png")
        if shape == "garbage":
            (root / "valannot" / "fuzzed.png").write_bytes(bytes(values))
        else:
            h, w = (360, 480) if shape == "same" else (20, 30)
            mask = np.resize(np.array(values, depth), (h, w))
            cv2.imwrite(str(root / "valannot" / "fuzzed.png"), mask)
        lines = check_segmentation_dataset(root)
        assert all("fuzzed.png" in line and "\n" not in line for line in lines), lines
        bad = shape != "same" or any(v > 10 and v != 11 for v in values)
        assert bool(lines) == bad


# -- text -------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None, database=None)
@given(text=st.text(max_size=300), room=st.integers(1, 12))
def test_text_is_cleaned_and_split_without_loss(text, room):
    cleaned, removed = clean_line(text)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in cleaned)
    assert bool(removed) == any(
        (ord(c) < 32 and c not in "\t\n\r\v\f") or (0x7F <= ord(c) <= 0x9F and c != "\x85")
        for c in text
    )
    pieces = split_to_window(cleaned, lambda s: len(s.split()), room)
    assert all(len(p.split()) <= room for p in pieces)
    assert " ".join(pieces).split() == cleaned.split()
