"""The Open Inference Protocol v2 on the wire: requests in JSON or with the binary tensor data
extension (what ``tritonclient`` sends by default), responses likewise.

Tensors' bytes are laid out as Triton lays them: row-major, little-endian, BYTES elements each
a 4-byte little-endian length and its bytes. Responses' BYTES are encoded by
``tritonclient.utils`` (the Triton client's own code); requests' BYTES are split here, with
bounds checks. Every malformed request raises a 400 naming what is wrong.

Example:
    >>> request = parse_request(b'{"inputs": [{"name": "text", "datatype": "BYTES", '
    ...     b'"shape": [1], "data": ["Hello."]}]}', None)
    >>> request.inputs["text"].tolist()
    [b'Hello.']
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

from zoo.serve.errors import bad_request

DTYPES = {
    "BOOL": np.bool_,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "UINT32": np.uint32,
    "UINT64": np.uint64,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "FP16": np.float16,
    "FP32": np.float32,
    "FP64": np.float64,
    "BYTES": np.object_,
}
HEADER = "Inference-Header-Content-Length"


@dataclasses.dataclass
class InferRequest:
    """A parsed request: ``inputs`` by name, ``parameters``, the ``outputs`` asked for (name ->
    binary or not; None: all) and whether outputs default to binary."""

    id: str | None
    inputs: dict[str, np.ndarray]
    parameters: dict
    outputs: dict[str, bool] | None
    binary_default: bool


def _shape(raw, name: str) -> tuple[int, ...]:
    if not isinstance(raw, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in raw
    ):
        raise bad_request(f"input {name!r}: shape must be a list of non-negative integers")
    if len(raw) > 8:
        raise bad_request(f"input {name!r}: {len(raw)} dimensions; at most 8")
    return tuple(raw)


def _from_binary(chunk: bytes, datatype: str, shape: tuple[int, ...], name: str) -> np.ndarray:
    count = math.prod(shape)
    if datatype == "BYTES":
        array = _split_bytes(chunk, name)
    else:
        dtype = np.dtype(DTYPES[datatype]).newbyteorder("<")
        if len(chunk) != count * dtype.itemsize:
            raise bad_request(
                f"input {name!r}: {len(chunk)} bytes of data, but {datatype} {list(shape)} "
                f"needs {count * dtype.itemsize}"
            )
        array = np.frombuffer(chunk, dtype).astype(dtype.newbyteorder("="), copy=False)
    if array.size != count:
        raise bad_request(f"input {name!r}: {array.size} elements for shape {list(shape)}")
    return array.reshape(shape)


def _split_bytes(chunk: bytes, name: str) -> np.ndarray:
    """BYTES elements: each a 4-byte little-endian length, then that many bytes."""
    items, offset = [], 0
    while offset < len(chunk):
        if offset + 4 > len(chunk):
            raise bad_request(f"input {name!r}: BYTES data cut inside an element's length")
        size = int.from_bytes(chunk[offset : offset + 4], "little")
        offset += 4
        if offset + size > len(chunk):
            raise bad_request(f"input {name!r}: BYTES element of {size} bytes runs past the data")
        items.append(chunk[offset : offset + size])
        offset += size
    array = np.empty(len(items), np.object_)
    array[:] = items
    return array


def _from_json(data, datatype: str, shape: tuple[int, ...], name: str) -> np.ndarray:
    count = math.prod(shape)
    flat = np.asarray(data, dtype=object).reshape(-1) if isinstance(data, list) else None
    if flat is None:
        raise bad_request(f"input {name!r}: data must be a list")
    if flat.size != count:
        raise bad_request(f"input {name!r}: {flat.size} elements for shape {list(shape)}")
    if datatype == "BYTES":
        if not all(isinstance(v, str) for v in flat):
            raise bad_request(f"input {name!r}: BYTES data in JSON must be strings")
        out = np.empty(count, np.object_)
        out[:] = [v.encode("utf-8") for v in flat]
        return out.reshape(shape)
    dtype = np.dtype(DTYPES[datatype])
    kind = bool if datatype == "BOOL" else (float if dtype.kind == "f" else int)
    if not all(isinstance(v, kind) or (kind is float and isinstance(v, int)) for v in flat):
        raise bad_request(f"input {name!r}: data are not all {datatype} values")
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        if any(not info.min <= v <= info.max for v in flat):
            raise bad_request(f"input {name!r}: values outside the {datatype} range")
    return np.asarray(list(flat), dtype).reshape(shape)


def parse_request(body: bytes, header_length: str | None) -> InferRequest:
    """Parse an infer request body; ``header_length``: the ``Inference-Header-Content-Length``
    header (None: the body is all JSON)."""
    if header_length is not None:
        try:
            size = int(header_length)
        except ValueError:
            raise bad_request(f"{HEADER}: {header_length!r} is not a number") from None
        if not 0 < size <= len(body):
            raise bad_request(f"{HEADER}: {size} is not within the body's {len(body)} bytes")
        head, binary = body[:size], body[size:]
    else:
        head, binary = body, b""
    try:
        doc = json.loads(head)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"request is not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise bad_request("request must be a JSON object with 'inputs'")
    raw_inputs = doc.get("inputs")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise bad_request("request has no 'inputs' list")
    parameters = doc.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise bad_request("'parameters' must be an object")
    inputs: dict[str, np.ndarray] = {}
    offset = 0
    for raw in raw_inputs:
        if not isinstance(raw, dict):
            raise bad_request("each input must be an object with name, datatype, shape")
        name, datatype = raw.get("name"), raw.get("datatype")
        if not isinstance(name, str) or not name:
            raise bad_request("an input has no 'name'")
        if name in inputs:
            raise bad_request(f"input {name!r} given twice")
        if datatype not in DTYPES:
            raise bad_request(f"input {name!r}: unknown datatype {datatype!r}")
        shape = _shape(raw.get("shape"), name)
        params = raw.get("parameters") or {}
        size = params.get("binary_data_size") if isinstance(params, dict) else None
        if size is not None:
            if not isinstance(size, int) or size < 0 or offset + size > len(binary):
                raise bad_request(f"input {name!r}: binary_data_size {size!r} exceeds the body")
            inputs[name] = _from_binary(binary[offset : offset + size], datatype, shape, name)
            offset += size
        elif "data" in raw:
            inputs[name] = _from_json(raw["data"], datatype, shape, name)
        else:
            raise bad_request(f"input {name!r}: neither 'data' nor binary_data_size")
    if offset != len(binary):
        raise bad_request(f"{len(binary) - offset} bytes of binary data belong to no input")
    outputs = None
    if doc.get("outputs") is not None:
        if not isinstance(doc["outputs"], list):
            raise bad_request("'outputs' must be a list")
        outputs = {}
        for out in doc["outputs"]:
            if not isinstance(out, dict) or not isinstance(out.get("name"), str):
                raise bad_request("each requested output must be an object with a 'name'")
            p = out.get("parameters") or {}
            outputs[out["name"]] = (
                bool(p.get("binary_data", False)) if isinstance(p, dict) else False
            )
    request_id = doc.get("id")
    return InferRequest(
        id=str(request_id) if request_id is not None else None,
        inputs=inputs,
        parameters=parameters,
        outputs=outputs,
        binary_default=bool(parameters.get("binary_data_output", False)),
    )


def _datatype(array: np.ndarray) -> str:
    if array.dtype == np.object_:
        return "BYTES"
    for name, dtype in DTYPES.items():
        if name != "BYTES" and array.dtype == np.dtype(dtype):
            return name
    raise TypeError(f"no v2 datatype for {array.dtype}")


def encode_response(
    model: str, request: InferRequest, outputs: dict[str, np.ndarray]
) -> tuple[bytes, dict[str, str]]:
    """The response body and its extra headers (``Inference-Header-Content-Length`` when
    any output goes binary). Outputs the request did not ask for are left out."""
    from tritonclient.utils import serialize_byte_tensor

    wanted = request.outputs
    if wanted is not None:
        unknown = sorted(set(wanted) - set(outputs))
        if unknown:
            raise bad_request(
                f"{model}: no output named {', '.join(unknown)} (it has {', '.join(outputs)})"
            )
    entries, chunks = [], []
    for name, array in outputs.items():
        if wanted is not None and name not in wanted:
            continue
        binary = wanted[name] if wanted is not None else request.binary_default
        entry = {"name": name, "datatype": _datatype(array), "shape": list(array.shape)}
        if binary:
            if array.dtype == np.object_:
                raw = serialize_byte_tensor(array).item() if array.size else b""
            else:
                raw = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).tobytes()
            entry["parameters"] = {"binary_data_size": len(raw)}
            chunks.append(raw)
        elif array.dtype == np.object_:
            entry["data"] = [
                v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                for v in array.reshape(-1)
            ]
        else:
            entry["data"] = array.reshape(-1).tolist()
        entries.append(entry)
    doc = {"model_name": model, "model_version": "1", "outputs": entries}
    if request.id is not None:
        doc["id"] = request.id
    head = json.dumps(doc).encode()
    if not chunks:
        return head, {}
    return head + b"".join(chunks), {HEADER: str(len(head))}
