"""Plain endpoints for people and small apps: ``/detect`` and ``/segment`` take an image file
(multipart), ``/translate`` takes JSON; ``/models`` lists what is served.

Example:
    $ curl -s -F file=@dog.jpg 'localhost:8000/detect?overlay=true'
    $ curl -s -H 'content-type: application/json' -d '{"texts": ["Two dogs."]}' \\
        localhost:8000/translate
"""

from __future__ import annotations

import base64
from typing import Annotated

import anyio
import numpy as np
from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel, Field

from zoo.serve.inputs import check_texts, decode_picture


class TranslateRequest(BaseModel):
    texts: list[str] | str = Field(description="A sentence or a list of sentences.")
    model: str | None = Field(None, description="A served translation model [default: first].")
    beam: int | None = Field(None, ge=1, le=16, description="Beam size [default: the model's].")
    attention: bool = Field(False, description="Also return each sentence's attention matrix.")


def _jpeg_uri(rgb: np.ndarray) -> str:
    import cv2

    _, jpg = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]))
    return "data:image/jpeg;base64," + base64.b64encode(jpg.tobytes()).decode()


def rle(mask: np.ndarray) -> dict:
    """Row-major run-length code of a class-index mask: ``values`` and run ``lengths``.

    Example:
        >>> rle(np.array([[0, 0, 1], [1, 1, 2]], np.uint8))
        {'size': [2, 3], 'values': [0, 1, 2], 'lengths': [2, 3, 1]}
    """
    flat = mask.reshape(-1)
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    lengths = np.diff(np.r_[starts, flat.size])
    return {
        "size": list(mask.shape),
        "values": flat[starts].tolist(),
        "lengths": lengths.tolist(),
    }


def detection_record(served, picture, det: dict, overlay: bool) -> dict:
    from zoo.detection.draw import class_color

    record = {
        "model": served.name,
        "width": picture.width,
        "height": picture.height,
        "detections": [
            {
                "class": served.class_names[int(label)],
                "class_id": int(label),
                "score": round(float(score), 5),
                "box": [round(float(v), 2) for v in box],
                "color": list(class_color(int(label))),
            }
            for box, score, label in zip(det["boxes"], det["scores"], det["labels"], strict=True)
        ],
    }
    if overlay:
        from zoo.detection.draw import draw_detections

        s = np.float32([picture.scale_x, picture.scale_y] * 2)
        vis = draw_detections(
            picture.array, det["boxes"] / s, det["scores"], det["labels"], served.class_names
        )
        record["overlay"] = _jpeg_uri(vis)
    return record


def segmentation_record(served, picture, mask: np.ndarray, fmt: str, overlay: bool) -> dict:
    import cv2

    from zoo.segmentation.overlay import palette_for

    names = served.class_names
    palette = palette_for(names)
    counts = np.bincount(mask.reshape(-1), minlength=len(names))
    record = {
        "model": served.name,
        "width": picture.width,
        "height": picture.height,
        "mask_width": int(mask.shape[1]),
        "mask_height": int(mask.shape[0]),
        "classes": [
            {
                "id": i,
                "name": names[i],
                "share": round(float(counts[i]) / mask.size, 5),
                "color": palette[i].tolist(),
            }
            for i in range(len(names))
            if counts[i]
        ],
    }
    if fmt == "png":
        _, png = cv2.imencode(".png", mask.astype(np.uint8))
        record["mask_png"] = base64.b64encode(png.tobytes()).decode()
    else:
        record["mask_rle"] = rle(mask)
    if overlay:
        from zoo.segmentation.overlay import overlay as blend

        record["overlay"] = _jpeg_uri(blend(picture.array, mask, names, alpha=0.5, legend=False))
    return record


def router(server) -> APIRouter:
    api = APIRouter(tags=["plain"])
    cfg = server.config

    @api.get("/models")
    async def models():
        """The served models with their task, runtime and classes or languages."""
        return {"models": [m.metadata() for m in server.models.values()]}

    async def _picture(served, file: UploadFile):
        data = await file.read()
        name = file.filename or "upload"
        return await anyio.to_thread.run_sync(
            decode_picture, data, name, served, cfg.max_image_pixels
        )

    @api.post("/detect")
    async def detect(
        file: Annotated[UploadFile, File(description="An image file (JPEG, PNG, ...).")],
        model: Annotated[
            str | None, Query(description="A served detector [default: the first].")
        ] = None,
        conf: Annotated[float, Query(ge=0, le=1, description="Score threshold.")] = 0.25,
        iou: Annotated[float, Query(ge=0, le=1, description="NMS IoU threshold.")] = 0.45,
        max_det: Annotated[int, Query(ge=1, le=1000)] = 100,
        overlay: Annotated[
            bool, Query(description="Also return the image with the boxes drawn.")
        ] = False,
    ):
        """Objects in an image: boxes in the image's pixels with class names and scores."""
        served = server.model(model, "detection") if model else server.first("detection")
        picture = await _picture(served, file)
        settings = (("conf", conf), ("iou", iou), ("max_det", max_det))
        (det,) = await server.run(served, [picture], settings)
        return await anyio.to_thread.run_sync(detection_record, served, picture, det, overlay)

    @api.post("/segment")
    async def segment(
        file: Annotated[UploadFile, File(description="An image file (JPEG, PNG, ...).")],
        model: Annotated[
            str | None, Query(description="A served segmenter [default: the first].")
        ] = None,
        mask: Annotated[
            str, Query(pattern="^(png|rle)$", description="Mask as base64 PNG or RLE.")
        ] = "png",
        overlay: Annotated[
            bool, Query(description="Also return the coloured overlay (JPEG).")
        ] = False,
    ):
        """A class-index mask (PNG or run-length), each class's share and an overlay."""
        served = server.model(model, "segmentation") if model else server.first("segmentation")
        picture = await _picture(served, file)
        (result,) = await server.run(served, [picture], ())
        return await anyio.to_thread.run_sync(
            segmentation_record, served, picture, result, mask, overlay
        )

    @api.post("/translate")
    async def translate(body: TranslateRequest):
        """Translations of the texts, one per text (and attention matrices on request)."""
        served = (
            server.model(body.model, "translation") if body.model else server.first("translation")
        )
        texts = [body.texts] if isinstance(body.texts, str) else body.texts
        texts = check_texts(texts, cfg.max_texts, cfg.max_text_chars)
        settings = (("beam", body.beam),) if body.beam else ()
        if body.attention:
            settings = (*settings, ("attention", True))
        results = await server.run(served, texts, settings)
        if not body.attention:
            return {"model": served.name, "translations": results}
        return {
            "model": served.name,
            "translations": [r["translation"] for r in results],
            "attention": [r["attention"] for r in results],
        }

    return api
