"""Open Inference Protocol v2 routes: health, server and model metadata, model ready, infer.

Example:
    $ curl -s localhost:8000/v2/models/yolo-fastest-xl-coco
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

import zoo
from zoo.serve.inputs import pictures_from, settings_from, texts_from
from zoo.serve.protocol import HEADER, encode_response, parse_request


def _detections(dets: list[dict], class_names: list[str]) -> dict[str, np.ndarray]:
    n, k = len(dets), max((len(d["scores"]) for d in dets), default=0)
    boxes = np.zeros((n, k, 4), np.float32)
    scores = np.zeros((n, k), np.float32)
    classes = np.full((n, k), -1, np.int64)
    names = np.full((n, k), b"", dtype=object)
    for i, d in enumerate(dets):
        m = len(d["scores"])
        boxes[i, :m], scores[i, :m], classes[i, :m] = d["boxes"], d["scores"], d["labels"]
        names[i, :m] = [class_names[int(c)].encode() for c in d["labels"]]
    counts = np.asarray([len(d["scores"]) for d in dets], np.int32)
    return {
        "boxes": boxes,
        "scores": scores,
        "classes": classes,
        "num_detections": counts,
        "class_names": names,
    }


def _masks(masks: list[np.ndarray]) -> dict[str, np.ndarray]:
    if len({m.shape for m in masks}) > 1:
        from zoo.serve.errors import bad_request

        raise bad_request("the images of one request must share a size (one mask tensor)")
    return {"mask": np.stack(masks).astype(np.uint8)}


def router(server) -> APIRouter:
    api = APIRouter(tags=["Open Inference Protocol v2"])

    @api.get("/v2/health/live")
    async def live():
        return {"live": True}

    @api.get("/v2/health/ready")
    async def ready():
        return JSONResponse({"ready": server.ready}, status_code=200 if server.ready else 503)

    @api.get("/v2")
    async def server_metadata():
        return {"name": "zoo", "version": zoo.__version__, "extensions": ["binary_tensor_data"]}

    @api.get("/v2/models/{name}")
    async def model_metadata(name: str):
        return server.model(name).metadata()

    @api.get("/v2/models/{name}/ready")
    async def model_ready(name: str):
        server.model(name)
        return {"name": name, "ready": server.ready}

    @api.post(
        "/v2/models/{name}/infer",
        openapi_extra={
            "requestBody": {
                "content": {"application/json": {"schema": {"type": "object"}}},
                "description": "A v2 inference request (JSON, or JSON + binary tensor data with "
                "the Inference-Header-Content-Length header).",
            }
        },
    )
    async def infer(name: str, request: Request):
        served = server.model(name)
        body = await request.body()
        parsed = parse_request(body, request.headers.get(HEADER))
        settings = settings_from(parsed.parameters, served)
        cfg = server.config
        if served.task == "translation":
            inputs = texts_from(parsed.inputs, cfg.max_texts, cfg.max_text_chars)
        else:
            import anyio

            inputs = await anyio.to_thread.run_sync(
                pictures_from, parsed.inputs, served, cfg.max_image_pixels
            )
        results = await server.run(served, inputs, settings)
        if served.task == "detection":
            outputs = _detections(results, served.class_names)
        elif served.task == "segmentation":
            outputs = _masks(results)
        else:
            outputs = {"translation": np.asarray([t.encode() for t in results], dtype=object)}
        data, headers = encode_response(name, parsed, outputs)
        kind = "application/octet-stream" if HEADER in headers else "application/json"
        return Response(data, media_type=kind, headers=headers)

    def versioned(handler):
        async def with_version(name: str, version: str, request: Request):
            if version != "1":
                from zoo.serve.errors import UserError

                raise UserError(404, f"{name} has one version, 1 (not {version!r})")
            return await handler(name, request)

        return with_version

    async def metadata_of(name: str, request: Request):
        return await model_metadata(name)

    async def ready_of(name: str, request: Request):
        return await model_ready(name)

    for suffix, handler, method in (
        ("", metadata_of, "GET"),
        ("/ready", ready_of, "GET"),
        ("/infer", infer, "POST"),
    ):
        api.add_api_route(
            "/v2/models/{name}/versions/{version}" + suffix,
            versioned(handler),
            methods=[method],
            include_in_schema=False,
        )
    return api
