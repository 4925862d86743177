"""Video inference for ``zoo detect`` and ``zoo segment``: batched frames in, annotated video out.

Each function reads one video with :mod:`zoo.video`, runs the model on batches of frames,
writes the annotated video (same size, frame rate divided by ``every``) into ``out`` and
returns its per-frame records, the video written and the problem of a stream broken part-way
(``None`` when none). A video that cannot be opened raises :class:`DataError` naming it.

Example:
    >>> records, written, problem = detect_video(  # doctest: +SKIP
    ...     model, Path("street.mp4"), Path("out"), conf=0.25, iou=0.45, max_det=100
    ... )
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from zoo.errors import DataError
from zoo.progress import Progress
from zoo.video import VideoOut, frame_batches, output_path, read_video


def _run(
    path: Path,
    out_file: Path | None,
    batch_size: int,
    every: int,
    infer: Callable[[list[np.ndarray]], list],
    draw: Callable[[np.ndarray, object], np.ndarray],
    record: Callable[[int, float, np.ndarray, object], dict],
) -> tuple[list[dict], Path | None, str | None]:
    info = read_video(path)
    total = -(-info.frame_count // every) if info.frame_count else None
    writer = VideoOut(out_file, info.fps / every, info.width, info.height) if out_file else None
    records: list[dict] = []
    problem = None
    try:
        with Progress(total=total, desc=path.name, unit="frame") as bar:
            for batch in frame_batches(info, batch_size=batch_size, every=every):
                results = infer([rgb for _, _, rgb in batch])
                for (index, time, rgb), result in zip(batch, results, strict=True):
                    records.append(record(index, time, rgb, result))
                    if writer is not None:
                        writer.write(draw(rgb, result))
                bar.update(len(batch))
    except DataError as exc:  # a stream broken part-way: keep what was read, say so
        problem = str(exc)
    finally:
        if writer is not None:
            writer.close(keep=bool(records))
    return records, (out_file if writer is not None and records else None), problem


def detect_video(
    model,
    path: Path,
    out: Path | None,
    conf: float,
    iou: float,
    max_det: int,
    batch_size: int = 8,
    every: int = 1,
    as_record: Callable | None = None,
) -> tuple[list[dict], Path | None, str | None]:
    """Detect objects in every ``every``-th frame; records ``{"video", "frame", "time",
    "width", "height", "detections"}`` and the annotated video's path (``None`` without
    ``out``)."""
    from zoo.detection.draw import draw_detections

    def infer(frames):
        return model.detect(frames, conf=conf, iou=iou, max_det=max_det, batch_size=batch_size)

    def draw(rgb, det):
        return draw_detections(rgb, det["boxes"], det["scores"], det["labels"], model.class_names)

    def record(index, time, rgb, det):
        base = as_record(path, rgb, det, model.class_names)
        base.pop("image", None)
        return {"video": str(path), "frame": index, "time": round(time, 4), **base}

    return _run(
        path, output_path(out, path) if out else None, batch_size, every, infer, draw, record
    )


def segment_video(
    model, path: Path, out: Path, alpha: float, batch_size: int = 8, every: int = 1
) -> tuple[list[dict], Path | None, str | None]:
    """Segment every ``every``-th frame into ``out/<stem>_overlay.<ext>``; records hold each
    frame's index, time and pixel share of each class present."""
    from zoo.segmentation.overlay import overlay

    def infer(frames):
        return model.segment(frames, batch_size=batch_size)

    def draw(rgb, mask):
        return overlay(rgb, mask, model.class_names, alpha=alpha)

    def record(index, time, rgb, mask):
        counts = np.bincount(np.asarray(mask).reshape(-1), minlength=len(model.class_names))
        share = {
            model.class_names[c]: round(float(n) / mask.size, 5)
            for c, n in enumerate(counts[: len(model.class_names)])
            if n
        }
        return {"video": str(path), "frame": index, "time": round(time, 4), "classes": share}

    return _run(path, output_path(out, path, "_overlay"), batch_size, every, infer, draw, record)


def drive_video(
    model,
    path: Path,
    out: Path,
    conf: float,
    iou: float,
    alpha: float = 0.45,
    batch_size: int = 8,
    every: int = 1,
) -> tuple[list[dict], Path | None, str | None]:
    """Perceive every ``every``-th frame with a driving model into ``out/<stem>_drive.<ext>``
    (mask, boxes, corridor, legend); records as :func:`zoo.drive.scene.frame_record` with the
    frame's index and time."""
    from zoo.drive.scene import draw_frame, frame_record

    def infer(frames):
        return model.perceive(frames, conf=conf, iou=iou, batch_size=batch_size)

    def draw(rgb, result):
        return draw_frame(rgb, result, model.class_names, model.detection_classes, alpha)

    def record(index, time, rgb, result):
        scene = frame_record(result, model.class_names, model.detection_classes)
        return {"video": str(path), "frame": index, "time": round(time, 4), **scene}

    return _run(path, output_path(out, path, "_drive"), batch_size, every, infer, draw, record)
