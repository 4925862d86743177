"""The pixel limit: camera photos up to 200 MP are read (large JPEGs at reduced size when the
caller needs no more); a header claiming more is refused before any pixel is decoded."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from zoo.data.images import DEFAULT_MAX_PIXELS, image_size, read_image, reduction
from zoo.errors import DataError


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width x height`` and whose data is a few bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def camera_jpeg(tmp_path_factory) -> bytes:
    """A 9000x7000 (63 MP) JPEG, as from a current camera: a gradient with a red square."""
    x = np.linspace(0, 255, 9000, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, 7000, dtype=np.float32)[:, None]
    bgr = np.empty((7000, 9000, 3), np.uint8)
    bgr[..., 0] = (x * 0 + y).astype(np.uint8)
    bgr[..., 1] = (x + y * 0).astype(np.uint8)
    bgr[..., 2] = 128
    bgr[1000:3000, 2000:5000] = (0, 0, 255)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return data.tobytes()


def test_default_admits_camera_photos():
    assert DEFAULT_MAX_PIXELS == 200_000_000


def test_camera_photo_is_read_full_and_reduced(tmp_path, camera_jpeg, monkeypatch):
    monkeypatch.delenv("ZOO_MAX_IMAGE_PIXELS", raising=False)
    path = tmp_path / "camera.jpg"
    path.write_bytes(camera_jpeg)
    assert image_size(path) == (9000, 7000)
    full = read_image(path)
    assert full.shape == (7000, 9000, 3)
    reduced = read_image(path, reduce_to=640)  # 1/8: 1125x875, short side still >= 640
    assert reduced.shape == (875, 1125, 3)
    assert tuple(reduced[250, 400]) == pytest.approx((255, 0, 0), abs=12)  # the red square
    same = cv2.resize(full, (1125, 875), interpolation=cv2.INTER_AREA)
    assert np.abs(same.astype(int) - reduced).mean() < 4
    from_bytes = read_image("upload.jpg", reduce_to=2000, data=camera_jpeg)  # 1/2
    assert from_bytes.shape == (3500, 4500, 3)


def test_reduction_keeps_the_short_side():
    assert [reduction(s, 640) for s in (639, 1279, 1280, 2560, 5120, 100000)] == [1, 1, 2, 4, 8, 8]
    assert reduction(7000, None) == 1


def test_png_is_never_reduced(tmp_path):
    png = tmp_path / "plain.png"
    cv2.imwrite(str(png), np.zeros((1400, 1500, 3), np.uint8))
    assert read_image(png, reduce_to=640).shape == (1400, 1500, 3)


@pytest.mark.parametrize("data", [True, False])
def test_bomb_header_refused_before_decoding(tmp_path, data, monkeypatch):
    """A 50000x50000 (2500 MP) PNG header over 16 bytes of data: refused by its header (a
    decode would need 7.5 GB)."""
    monkeypatch.delenv("ZOO_MAX_IMAGE_PIXELS", raising=False)
    bomb = _png_header_only(50_000, 50_000)
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    with pytest.raises(DataError) as err:
        if data:
            read_image("bomb.png", data=bomb)
        else:
            read_image(path)
    message = str(err.value)
    assert "bomb.png" in message and "2500.0 megapixels" in message and "limit of 200" in message


def test_bytes_that_are_not_images_are_named():
    with pytest.raises(DataError, match=r"upload\.jpg: unreadable image: the file is a text file"):
        read_image("upload.jpg", data=b"hello, this is text\n")
    with pytest.raises(DataError, match="empty file"):
        read_image("upload.jpg", data=b"")
