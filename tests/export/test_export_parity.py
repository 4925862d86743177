"""Exported files score what the Keras models score, on real validation data.

Tolerances are the issue's: yolo-wildlife AP50 within 0.005 (its whole 44-image val split),
fcn8s-camvid mIoU within 0.002 (the first 16 val images), translation BLEU within 0.1 (the
first 120 val sentences, every format: ONNX and LiteRT run the numpy beam search over the
exported encoder and decoder step). The numbers of the full splits: docs/results/deploy.md.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import zoo
from tests.export.conftest import FORMATS

pytestmark = [pytest.mark.data, pytest.mark.slow]
CAMVID_IMAGES = 16
SENTENCES = 120


@pytest.fixture(scope="module")
def wildlife_val(zoo_data_root):
    from zoo.detection.data import read_detection_dataset, split_dataset

    data = read_detection_dataset([zoo_data_root / "raccoon", zoo_data_root / "kangaroo"])
    return split_dataset(data, 0.15, 0)[1]  # as weights/manifest.json's eval_command


@pytest.fixture(scope="module")
def zoo_data_root():
    from zoo.data.paths import data_root

    if not data_root().is_dir():
        pytest.skip("shared data folder not found (set ZOO_DATA)")
    return data_root().resolve()


@pytest.fixture(scope="module")
def keras_scores():
    return {}


def _ap50(model, dataset):
    from zoo.detection.evaluate import evaluate_detection

    return evaluate_detection(model.for_inference(), dataset)["ap50"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_wildlife_ap50_matches_keras(fmt, exported, wildlife_val, keras_scores):
    if "det" not in keras_scores:
        keras_scores["det"] = _ap50(zoo.load("yolo-wildlife"), wildlife_val)
    model = zoo.load(exported("yolo-wildlife", fmt))
    assert model.runtime == fmt
    ap50 = _ap50(model, wildlife_val)
    print(f"yolo-wildlife val AP50: keras {keras_scores['det']:.4f}, {fmt} {ap50:.4f}")
    assert keras_scores["det"] > 0.8  # the trained model, not an untrained one
    assert abs(ap50 - keras_scores["det"]) <= 0.005


def _camvid_miou(model, root) -> float:
    from zoo.segmentation.data import read_image, read_mask, read_segmentation_dataset
    from zoo.segmentation.metrics import ConfusionMatrix, segmentation_scores

    data = read_segmentation_dataset(root / "camvid", "val")
    conf = ConfusionMatrix(model.num_classes, data.ignore_index)
    pairs = list(zip(data.image_paths, data.mask_paths, strict=True))[:CAMVID_IMAGES]
    images = [read_image(p) for p, _ in pairs]
    for (_, mask_path), pred in zip(pairs, model.segment(images, batch_size=4), strict=True):
        conf.update(read_mask(mask_path), pred)
    return segmentation_scores(conf, model.class_names)["miou"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_camvid_miou_matches_keras(fmt, exported, zoo_data_root, keras_scores):
    if "seg" not in keras_scores:
        keras_scores["seg"] = _camvid_miou(zoo.load("fcn8s-camvid"), zoo_data_root)
    model = zoo.load(exported("fcn8s-camvid", fmt))
    miou = _camvid_miou(model, zoo_data_root)
    print(
        f"fcn8s-camvid mIoU ({CAMVID_IMAGES} val images): keras {keras_scores['seg']:.4f}, "
        f"{fmt} {miou:.4f}"
    )
    assert keras_scores["seg"] > 0.4
    assert abs(miou - keras_scores["seg"]) <= 0.002


@pytest.fixture(scope="module")
def translation_val(zoo_data_root):
    """``name -> (sources, references, Keras BLEU)`` on the first val sentences (cached)."""
    from zoo.translation.bleu import corpus_scores
    from zoo.translation.data import read_parallel_folder

    cache: dict = {}

    def get(name):
        if name not in cache:
            model = zoo.load(name)
            root = zoo_data_root / "multi30k"
            sources, refs = read_parallel_folder(root, "val", *model.languages)
            sources, refs = sources[:SENTENCES], refs[:SENTENCES]
            hyps = model.translate(sources, beam=5, batch_size=64)
            cache[name] = sources, refs, corpus_scores(hyps, refs)["bleu"], model.languages
        return cache[name]

    return get


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["rnnsearch-multi30k-en-de", "rnnsearch-multi30k-en-fr"])
def test_translation_bleu_matches_keras(name, fmt, exported, translation_val):
    from zoo.translation.bleu import corpus_scores

    sources, refs, theirs, languages = translation_val(name)
    model = zoo.load(exported(name, fmt))
    assert model.languages == languages and model.runtime == fmt
    ours = corpus_scores(model.translate(sources, batch_size=64), refs)["bleu"]
    print(f"{name} BLEU ({SENTENCES} val sentences): keras {theirs:.2f}, {fmt} {ours:.2f}")
    assert theirs > 25
    assert abs(ours - theirs) <= 0.1


@pytest.mark.parametrize("fmt", ["onnx", "litert"])
def test_onnx_and_litert_load_without_tensorflow(fmt, exported, tmp_path):
    """zoo.load of an ONNX / LiteRT file imports neither TensorFlow nor Keras."""
    import subprocess

    path = exported("yolo-wildlife", fmt)
    code = (
        "import sys, numpy as np, zoo\n"
        f"m = zoo.load({str(path)!r})\n"
        "d = m.detect([np.full((240, 320, 3), 90, np.uint8)])\n"
        "bad = sorted({'tensorflow', 'keras', 'jax'} & set(sys.modules))\n"
        "print(type(m).__name__, len(d), bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.split() == ["ExportedDetector", "1", "[]"], out.stderr[-2000:]


def test_metadata_names_classes_and_source(exported):
    from zoo.runtime import load_exported
    from zoo.weights import manifest

    record = manifest()["yolo-wildlife"]
    model = load_exported(exported("yolo-wildlife", "litert"))
    meta = model.metadata
    assert meta["task"] == "detection" and meta["class_names"] == record["classes"]
    assert meta["source"] == {
        "name": "yolo-wildlife",
        "file": record["file"],
        "sha256": record["sha256"],
    }
    assert meta["input_size"] == [320, 320] and meta["zoo_version"] == zoo.__version__
    assert meta["preprocessing"]["resize"] == "stretch"
    assert np.isclose(meta["preprocessing"]["scale"], 1 / 255)
