"""Bad requests, fuzzed (wrong dtype or shape, truncated JPEG, text as image, huge JSON,
missing fields, unknown model, wrong key...): each gets the right 4xx as JSON naming the
problem, never a 5xx; the server answers ready afterwards and /metrics counts every one."""

from __future__ import annotations

import json
import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.serve.conftest import SAMPLES, error_count, httpx
from zoo.serve.protocol import DTYPES as V2_DTYPES

DETECT = "/v2/models/yolo-fastest-xl-coco/infer"
TRANSLATE = "/v2/models/rnnsearch-en-fr/infer"
JPEG = (SAMPLES / "dog.jpg").read_bytes()
DTYPES = ["BOOL", "INT8", "INT16", "INT32", "INT64", "UINT16", "FP16", "FP32", "FP64"]


def _binary(name: str, datatype: str, shape: list[int], raw: bytes) -> tuple[bytes, dict]:
    head = json.dumps(
        {
            "inputs": [
                {
                    "name": name,
                    "datatype": datatype,
                    "shape": shape,
                    "parameters": {"binary_data_size": len(raw)},
                }
            ]
        }
    ).encode()
    return head + raw, {"Inference-Header-Content-Length": str(len(head))}


def _bytes_tensor(items: list[bytes]) -> bytes:
    return b"".join(struct.pack("<I", len(b)) + b for b in items)


KINDS = [
    "dtype",
    "shape",
    "truncated",
    "text_as_image",
    "missing",
    "unknown_model",
    "bad_json",
    "count",
    "huge",
    "bad_parameter",
    "wrong_key",
]


@st.composite
def bad_request(draw, kind: str):
    """One bad request of ``kind``: (path, body, headers, expected status)."""
    if kind == "dtype":  # pixels of another type than UINT8
        dt = draw(st.sampled_from(DTYPES))
        size = np.dtype(V2_DTYPES[dt])
        body, h = _binary("image", dt, [1, 8, 8, 3], b"\0" * (8 * 8 * 3 * size.itemsize))
        return DETECT, body, h, 400
    if kind == "shape":  # not [N, H, W, 3]
        shape = draw(
            st.sampled_from([[8, 8], [1, 8, 8, 4], [1, 8, 8, 1], [2, 1, 8, 8, 3], [1, 0, 8, 3]])
        )
        body, h = _binary("image", "UINT8", shape, b"\x80" * int(np.prod(shape)))
        return DETECT, body, h, 400
    if kind == "truncated":  # a JPEG cut before any scan data
        cut = draw(st.integers(2, 600))
        body, h = _binary("image_file", "BYTES", [1], _bytes_tensor([JPEG[:cut]]))
        return DETECT, body, h, 400
    if kind == "text_as_image":
        text = draw(st.text(min_size=1, max_size=200)).encode() or b"x"
        body, h = _binary("image_file", "BYTES", [1], _bytes_tensor([b"hello " + text]))
        return DETECT, body, h, 400
    if kind == "missing":  # fields of the protocol left out
        doc = draw(
            st.sampled_from(
                [
                    {},
                    {"inputs": []},
                    {"inputs": [{"datatype": "BYTES", "shape": [1]}]},
                    {"inputs": [{"name": "text", "shape": [1], "data": ["a"]}]},
                    {"inputs": [{"name": "text", "datatype": "BYTES", "data": ["a"]}]},
                    {"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1]}]},
                    {
                        "inputs": [
                            {"name": "image", "datatype": "BYTES", "shape": [1], "data": ["a"]}
                        ]
                    },
                ]
            )
        )
        return TRANSLATE, json.dumps(doc).encode(), {}, 400
    if kind == "unknown_model":
        name = draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True))
        return f"/v2/models/no-{name}/infer", b'{"inputs": []}', {}, 404
    if kind == "bad_json":
        junk = draw(st.binary(min_size=1, max_size=100))
        return TRANSLATE, b"{" + junk, {}, 400
    if kind == "count":  # data and shape disagree
        n = draw(st.integers(2, 5))
        doc = {"inputs": [{"name": "text", "datatype": "BYTES", "shape": [n], "data": ["a"]}]}
        return TRANSLATE, json.dumps(doc).encode(), {}, 400
    if kind == "huge":  # over the server's 2 MB body limit
        size = draw(st.integers(2 * 1024 * 1024 + 1, 3 * 1024 * 1024))
        doc = b'{"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["'
        return TRANSLATE, doc + b"a" * size + b'"]}]}', {}, 413
    if kind == "wrong_key":
        key = draw(st.from_regex(r"[A-Za-z0-9._-]{1,40}", fullmatch=True))
        scheme = draw(st.sampled_from(["Bearer", "bearer", "Basic", "Token"]))
        body = b'{"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["a"]}]}'
        return TRANSLATE, body, {"Authorization": f"{scheme} {key}"}, 401
    value = draw(st.sampled_from([-1, 17, "five", 2.5, None, [1]]))
    doc = {
        "parameters": {"beam": value},
        "inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["A dog."]}],
    }
    return TRANSLATE, json.dumps(doc).encode(), {}, 400


def test_bad_requests_get_4xx(client):
    before = error_count(client)
    sent = []

    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.data())
    def check(data):
        for kind in KINDS:  # every kind in every example, with its own drawn content
            path, body, headers, status = data.draw(bad_request(kind), label=kind)
            answer = client.post(path, content=body, headers=headers)
            sent.append(answer.status_code)
            assert answer.status_code == status, (kind, path, body[:200], answer.text)
            assert answer.headers["content-type"] == "application/json"
            message = answer.json()["error"]
            assert message and "\n" not in message and "Traceback" not in message

    check()
    assert sent and len(sent) % len(KINDS) == 0  # whole examples, every kind in each
    assert client.get("/v2/health/ready").json() == {"ready": True}
    assert error_count(client) - before == len(sent)
    ok = client.post("/translate", json={"texts": "A dog."})  # and the next request is served
    assert ok.status_code == 200


def test_plain_endpoints_refuse_bad_input(client):
    cases = [
        ("/detect", {"files": {"file": ("notes.jpg", b"just text\n")}}, 400, "text file"),
        ("/detect", {"files": {"file": ("cut.jpg", JPEG[:300])}}, 400, "cut.jpg"),
        ("/segment", {"files": {"file": ("empty.png", b"")}}, 400, "empty"),
        ("/detect", {"data": {"x": "1"}}, 422, "file"),
        ("/detect?model=fcn8s-camvid", {"files": {"file": ("a.jpg", JPEG)}}, 400, "not a det"),
        ("/detect?model=nope", {"files": {"file": ("a.jpg", JPEG)}}, 404, "nope"),
        ("/detect?conf=2", {"files": {"file": ("a.jpg", JPEG)}}, 422, "conf"),
        ("/segment?mask=gif", {"files": {"file": ("a.jpg", JPEG)}}, 422, "mask"),
        ("/translate", {"json": {"text": ["a"]}}, 422, "texts"),
        ("/translate", {"json": {"texts": []}}, 400, "no text"),
        ("/translate", {"json": {"texts": ["a"] * 65}}, 413, "at most 64"),
        ("/translate", {"json": {"texts": ["a"], "beam": 0}}, 422, "beam"),
        ("/translate", {"content": b"[1, 2", "headers": {"content-type": "application/json"}},
         422, "JSON"),
    ]  # fmt: skip
    before = error_count(client)
    for path, kwargs, status, said in cases:
        answer = client.post(path, **kwargs)
        assert answer.status_code == status, (path, answer.text)
        assert said.lower() in answer.json()["error"].lower(), (path, answer.text)
    assert error_count(client) - before == len(cases)


def test_bomb_header_refused(client):
    """A PNG header claiming 50000 x 50000 pixels: 413 before anything is decoded."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 9))
    answer = client.post("/segment", files={"file": ("bomb.png", png)})
    assert answer.status_code == 413 and "2500.0 megapixels" in answer.json()["error"]
    assert httpx.get(f"{client.base_url}/v2/health/ready").status_code == 200


def test_chunked_bodies_over_the_limit(client):
    """Bodies sent without a length (chunked) are cut at the 2 MB limit: 413 on every route."""

    def chunks(head: bytes, tail: bytes):
        yield head
        for _ in range(40):  # 40 x 64 KB = 2.5 MB
            yield b"a" * 65536
        yield tail

    form = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\n\r\n'
    cases = [
        ("/translate", b'{"texts": ["', b'"]}', "application/json"),
        (TRANSLATE, b'{"texts": ["', b'"]}', "application/json"),
        ("/detect", form, b"\r\n--b--\r\n", "multipart/form-data; boundary=b"),
    ]
    for path, head, tail, kind in cases:
        answer = client.post(path, content=chunks(head, tail), headers={"content-type": kind})
        assert answer.status_code == 413, (path, answer.text)
        assert "over the limit of 2 MB" in answer.json()["error"]
    assert client.get("/v2/health/ready").json() == {"ready": True}
