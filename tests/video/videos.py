"""Small real videos made at test time from real data frames (never committed)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def camvid_frames(zoo_data: Path, n: int, size: tuple[int, int] = (160, 120)) -> list[np.ndarray]:
    """``n`` consecutive CamVid val frames (a drive through a street), BGR, resized to ``size``."""
    paths = sorted((zoo_data / "camvid" / "val").glob("*.jpg"))[:n]
    return [cv2.resize(cv2.imread(str(p)), size, interpolation=cv2.INTER_AREA) for p in paths]


def write_video(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    """Write BGR ``frames`` with OpenCV (codec by suffix: mp4/mov mp4v, avi/mkv MJPG)."""
    codec = {".mp4": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}[path.suffix]
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (w, h))
    assert writer.isOpened(), path
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def read_back(path: Path) -> tuple[int, float, int, int]:
    """(frames decoded, fps, width, height) of a video file."""
    capture = cv2.VideoCapture(str(path))
    n = 0
    while capture.read()[0]:
        n += 1
    info = (
        n,
        capture.get(cv2.CAP_PROP_FPS),
        int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
        int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
    )
    capture.release()
    return info
