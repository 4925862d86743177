"""Video in and out with OpenCV: frames read in batches, annotated frames written atomically.

:func:`read_video` opens a file and says what it holds (:class:`VideoInfo`);
:func:`frame_batches` yields ``(index, time, rgb)`` frames in batches, keeping one frame in
``every``; :class:`VideoOut` writes frames to a temporary file beside the target and renames
it over the target only when the video is complete, so a failed run never replaces a good
output. The output keeps the input's container (``.mp4``/``.mov``: MPEG-4 part 2, ``.avi``/
``.mkv``: Motion JPEG), size and frame rate (divided by ``every``).

Example:
    >>> info = read_video("street.mp4")  # doctest: +SKIP
    >>> with VideoOut("out/street.mp4", info.fps, info.width, info.height) as out:
    ...     for batch in frame_batches(info, batch_size=8):  # doctest: +SKIP
    ...         for index, time, rgb in batch:
    ...             out.write(rgb)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.errors import DataError

# FFmpeg's own messages ("moov atom not found"...) would break the one-line error on stderr;
# problems are reported as DataError naming the file instead. Read at the first capture.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv"}
FOURCC = {".mp4": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}
DEFAULT_FPS = 25.0  # for files that do not state a frame rate


def is_video(path: str | os.PathLike) -> bool:
    """Whether ``path`` has a video file suffix (mp4, avi, mov, mkv)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


@dataclass(frozen=True)
class VideoInfo:
    """What a readable video file holds: its path, frame rate, size and stated frame count."""

    path: Path
    fps: float
    width: int
    height: int
    frame_count: int  # as the container states it; 0 when unknown


def _capture(path: Path):
    import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise DataError(f"{path}: not a readable video (cannot be opened)")
    return capture


def read_video(path: str | os.PathLike) -> VideoInfo:
    """Open ``path`` and read its first frame; :class:`DataError` naming it when that fails."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such video file")
    capture = _capture(path)
    try:
        ok, frame = capture.read()
        if not ok or frame is None or frame.size == 0:
            raise DataError(f"{path}: not a readable video (no frame could be decoded)")
        fps = capture.get(cv2.CAP_PROP_FPS)
        count = int(max(capture.get(cv2.CAP_PROP_FRAME_COUNT), 0))
    finally:
        capture.release()
    fps = float(fps) if fps and np.isfinite(fps) and fps > 0 else DEFAULT_FPS
    return VideoInfo(path, fps, int(frame.shape[1]), int(frame.shape[0]), count)


def frame_batches(
    info: VideoInfo, batch_size: int = 8, every: int = 1
) -> Iterator[list[tuple[int, float, np.ndarray]]]:
    """Batches of ``(frame index, time in seconds, RGB uint8 frame)``, one frame in ``every``.

    Frames are decoded in order; a frame whose size differs from the first one's, or a stream
    that stops well before its stated frame count, raises :class:`DataError` naming the file
    (after the frames read so far were yielded).
    """
    import cv2

    capture = _capture(info.path)
    batch: list[tuple[int, float, np.ndarray]] = []
    index = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok or frame is None:
                break
            if index % every == 0:
                if frame.shape[:2] != (info.height, info.width):
                    raise DataError(
                        f"{info.path}: frame {index} is {frame.shape[1]}x{frame.shape[0]}, "
                        f"not {info.width}x{info.height} like the first"
                    )
                rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                batch.append((index, index / info.fps, rgb))
                if len(batch) == batch_size:
                    yield batch
                    batch = []
            index += 1
    finally:
        capture.release()
    if batch:
        yield batch
    if info.frame_count > 0 and index < info.frame_count - 1:
        raise DataError(
            f"{info.path}: the video stops after {index} of its {info.frame_count} frames "
            "(truncated or corrupt); the frames before were processed"
        )


def output_path(folder: Path, source: Path, suffix: str = "") -> Path:
    """``folder/<stem><suffix><source's extension>``, e.g. ``out/street_overlay.mp4``."""
    return folder / f"{source.stem}{suffix}{source.suffix.lower()}"


class VideoOut:
    """Writes RGB frames to ``path`` through a temporary file renamed over it on success.

    Args:
        path: the target file; its suffix picks the codec (:data:`FOURCC`).
        fps: frames per second of the output.
        width, height: the frames' size.

    Example:
        >>> with VideoOut("out/a.avi", 25.0, 480, 360) as out:  # doctest: +SKIP
        ...     out.write(rgb_frame)
    """

    def __init__(self, path: str | os.PathLike, fps: float, width: int, height: int):
        import cv2

        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in FOURCC:
            raise DataError(f"{self.path}: cannot write video of type {suffix or '(none)'}")
        self.tmp = self.path.with_name(f".{self.path.stem}.tmp{suffix}")
        self.size = (int(width), int(height))
        self.frames = 0
        self._writer = cv2.VideoWriter(
            str(self.tmp), cv2.VideoWriter_fourcc(*FOURCC[suffix]), float(fps), self.size
        )
        if not self._writer.isOpened():
            self.tmp.unlink(missing_ok=True)
            raise DataError(f"{self.path}: OpenCV cannot write this video file")

    def write(self, rgb: np.ndarray) -> None:
        """Append one RGB uint8 frame of the writer's size."""
        import cv2

        if (rgb.shape[1], rgb.shape[0]) != self.size:
            raise ValueError(f"frame {rgb.shape[1]}x{rgb.shape[0]}, video {self.size}")
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self, keep: bool = True) -> None:
        """Finish the file: rename it over ``path`` (``keep`` and some frames) or drop it."""
        self._writer.release()
        if keep and self.frames:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoOut:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(keep=exc_type is None or issubclass(exc_type, DataError))
