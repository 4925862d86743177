"""tritonclient (the Triton project's client) against ``zoo serve``: each application's
``infer`` gives what ``zoo detect`` / ``zoo segment`` / ``zoo translate`` give for the same
inputs in the same runtime (the cached LiteRT exports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.serve.conftest import API_KEY, ROOT, SAMPLES

http = pytest.importorskip("tritonclient.http", reason="tritonclient[http] (dev extra) missing")

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
IMAGES = [SAMPLES / "dog.jpg", SAMPLES / "person.jpg"]
SENTENCES = ["Two dogs are playing in the snow.", "A man in a red shirt rides a bicycle."]


def _zoo(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "zoo", *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def triton(server):
    client = http.InferenceServerClient(server.url.removeprefix("http://"))
    yield client
    client.close()


def _file_input(paths) -> object:
    x = http.InferInput("image_file", [len(paths)], "BYTES")
    x.set_data_from_numpy(np.array([p.read_bytes() for p in paths], dtype=object))
    return x


def test_health_and_metadata(triton):
    assert triton.is_server_live() and triton.is_server_ready(headers=HEADERS)
    assert triton.is_model_ready("yolo-fastest-xl-coco", headers=HEADERS)
    meta = triton.get_model_metadata("fcn8s-camvid", headers=HEADERS)
    assert meta["outputs"] == [{"name": "mask", "datatype": "UINT8", "shape": [-1, -1, -1]}]
    assert {i["name"]: i["datatype"] for i in meta["inputs"]} == {
        "image": "UINT8",
        "image_file": "BYTES",
    }
    assert "binary_tensor_data" in triton.get_server_metadata(headers=HEADERS)["extensions"]


def test_detection_equals_zoo_detect(triton, tmp_path):
    from zoo.data.images import read_image

    out = tmp_path / "dets.json"
    _zoo("detect", *map(str, IMAGES), "--json", str(out), "--runtime", "litert", "--quiet")
    expected = json.loads(out.read_text())
    for path, record in zip(IMAGES, expected, strict=True):
        rgb = read_image(path)
        pixels = http.InferInput("image", [1, *rgb.shape], "UINT8")
        pixels.set_data_from_numpy(rgb[None])
        for given in (pixels, _file_input([path])):  # pixels, and the encoded file
            result = triton.infer("yolo-fastest-xl-coco", [given], headers=HEADERS)
            n = int(result.as_numpy("num_detections")[0])
            assert n == len(record["detections"]) > 0
            names = [v.decode() for v in result.as_numpy("class_names")[0, :n]]
            assert names == [d["class"] for d in record["detections"]]
            boxes = result.as_numpy("boxes")[0, :n]
            np.testing.assert_allclose(boxes, [d["box"] for d in record["detections"]], atol=0.01)
            scores = result.as_numpy("scores")[0, :n]
            np.testing.assert_allclose(
                scores, [d["score"] for d in record["detections"]], atol=1e-5
            )


def test_segmentation_equals_zoo_segment(triton, tmp_path):
    import cv2

    _zoo("segment", *map(str, IMAGES), "--out", str(tmp_path), "--runtime", "litert", "--quiet")
    for path in IMAGES:
        expected = cv2.imread(str(tmp_path / f"{path.stem}.png"), cv2.IMREAD_UNCHANGED)
        result = triton.infer("fcn8s-camvid", [_file_input([path])], headers=HEADERS)
        mask = result.as_numpy("mask")
        assert mask.dtype == np.uint8 and mask.shape == (1, *expected.shape)
        np.testing.assert_array_equal(mask[0], expected)


def test_translation_equals_zoo_translate(triton):
    from zoo.runtime.cache import cached_export

    export = cached_export("rnnsearch-en-fr", "litert")  # the file the server runs
    expected = _zoo("translate", *SENTENCES, "--model", str(export), "--quiet").stdout
    text = http.InferInput("text", [len(SENTENCES)], "BYTES")
    text.set_data_from_numpy(np.array([s.encode() for s in SENTENCES], dtype=object))
    binary = triton.infer("rnnsearch-en-fr", [text], headers=HEADERS)
    as_json = triton.infer(
        "rnnsearch-en-fr",
        [text],
        outputs=[http.InferRequestedOutput("translation", binary_data=False)],
        headers=HEADERS,
    )
    got = [v.decode() for v in binary.as_numpy("translation")]
    assert got == expected.splitlines()
    assert [str(v) for v in as_json.as_numpy("translation")] == got
    assert "chiens" in got[0]  # "Two dogs ..."


def test_json_only_request(client):
    """The protocol's plain JSON form (no binary extension) as any HTTP client sends it."""
    body = {
        "id": "r1",
        "inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["A cat."]}],
    }
    answer = client.post("/v2/models/rnnsearch-en-fr/infer", json=body)
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["id"] == "r1" and doc["model_name"] == "rnnsearch-en-fr"
    (out,) = doc["outputs"]
    assert out["name"] == "translation" and out["shape"] == [1] and out["data"][0]
