"""The plain endpoints (/detect, /segment, /translate, /models, /docs, /metrics) and the API
key, on the session's server."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from tests.serve.conftest import SAMPLES, httpx


def test_detect_gives_boxes_with_class_names_and_overlay(client):
    with open(SAMPLES / "dog.jpg", "rb") as f:
        answer = client.post("/detect?overlay=true", files={"file": ("dog.jpg", f, "image/jpeg")})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert (doc["width"], doc["height"]) == (768, 576)
    classes = {d["class"] for d in doc["detections"]}
    assert {"dog", "bicycle"} <= classes
    for d in doc["detections"]:
        x1, y1, x2, y2 = d["box"]
        assert 0 <= x1 < x2 <= 768 and 0 <= y1 < y2 <= 576 and len(d["color"]) == 3
    jpg = base64.b64decode(doc["overlay"].split(",", 1)[1])
    assert cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_COLOR).shape == (576, 768, 3)


@pytest.mark.parametrize("fmt", ["png", "rle"])
def test_segment_mask_png_or_rle(client, fmt):
    data = (SAMPLES / "dog.jpg").read_bytes()
    answer = client.post(f"/segment?mask={fmt}", files={"file": ("dog.jpg", data)})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    h, w = doc["mask_height"], doc["mask_width"]
    if fmt == "png":
        png = base64.b64decode(doc["mask_png"])
        mask = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    else:
        rle = doc["mask_rle"]
        mask = np.repeat(rle["values"], rle["lengths"]).reshape(rle["size"])
    assert mask.shape == (h, w) == (doc["height"], doc["width"])
    shares = {c["name"]: c["share"] for c in doc["classes"]}
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-3)
    counts = np.bincount(mask.reshape(-1))
    for c in doc["classes"]:
        assert c["share"] == pytest.approx(counts[c["id"]] / mask.size, abs=1e-5)
    assert shares.get("Road", 0) > 0.1  # the street behind the porch


def test_translate_with_attention(client):
    answer = client.post("/translate", json={"texts": ["A dog runs."], "attention": True})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    (translation,) = doc["translations"]
    (att,) = doc["attention"]
    weights = np.asarray(att["weights"])
    assert translation and weights.shape == (len(att["target"]), len(att["source"]))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=2e-3)  # a softmax per row


def test_models_docs_and_metrics(client):
    models = {m["name"]: m["parameters"]["task"] for m in client.get("/models").json()["models"]}
    assert models == {
        "fcn8s-camvid": "segmentation",
        "yolo-fastest-xl-coco": "detection",
        "rnnsearch-en-fr": "translation",
    }
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/detect", "/segment", "/translate", "/v2/models/{name}/infer"} <= set(paths)
    metrics = client.get("/metrics").text
    for name in ("zoo_requests_total", "zoo_request_latency_seconds_bucket", "zoo_batch_size"):
        assert name in metrics
    assert 'zoo_queue_depth{model="yolo-fastest-xl-coco"}' in metrics


def test_api_key(server):
    """Health and the page are open; everything else needs the key (401 otherwise)."""
    assert httpx.get(f"{server.url}/v2/health/ready").status_code == 200
    assert httpx.get(f"{server.url}/").status_code == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        answer = httpx.get(f"{server.url}/v2/models/fcn8s-camvid", headers=headers)
        assert answer.status_code == 401 and "API key" in answer.json()["error"]
        assert answer.headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{server.url}/metrics").status_code == 401


def test_camera_size_photo_decoded_reduced(client):
    """A 4608x3456 JPEG: decoded at 1/4 by the JPEG decoder (the detector needs no more), boxes
    still in the photo's own pixels; segmentation's mask at a long side of 1024."""
    small = cv2.imread(str(SAMPLES / "dog.jpg"))
    big = cv2.resize(small, (768 * 6, 576 * 6), interpolation=cv2.INTER_CUBIC)
    data = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 70])[1].tobytes()

    def dog(answer) -> np.ndarray:
        assert answer.status_code == 200, answer.text
        (box,) = [d["box"] for d in answer.json()["detections"] if d["class"] == "dog"]
        return np.asarray(box)

    reference = dog(
        client.post(
            "/detect", files={"file": ("dog.jpg", cv2.imencode(".jpg", small)[1].tobytes())}
        )
    )
    answer = client.post("/detect", files={"file": ("big.jpg", data)})
    assert (answer.json()["width"], answer.json()["height"]) == (4608, 3456)
    np.testing.assert_allclose(dog(answer), reference * 6, atol=0.02 * 4608)
    seg = client.post("/segment?mask=rle", files={"file": ("big.jpg", data)}).json()
    assert (seg["width"], seg["height"]) == (4608, 3456)
    assert (seg["mask_width"], seg["mask_height"]) == (1024, 768)
    assert seg["mask_rle"]["size"] == [768, 1024]
