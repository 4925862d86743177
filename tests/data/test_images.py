"""The one image reader (zoo.data.images) on real photos made awkward at test time."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
from PIL import Image

from zoo.data.images import image_size, read_image, to_rgb
from zoo.errors import DataError

pytestmark = pytest.mark.data


@pytest.fixture
def photo(zoo_data):
    """A real raccoon photo (JPEG) and its pixels as OpenCV decodes them (RGB)."""
    path = zoo_data / "raccoon" / "images" / "raccoon-1.jpg"
    return path, cv2.imread(str(path))[..., ::-1]


def test_decodes_like_opencv(photo):
    path, rgb = photo
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == rgb.shape
    assert np.array_equal(image, rgb)
    assert image_size(path) == (rgb.shape[1], rgb.shape[0])


@pytest.mark.parametrize("fraction", [0.3, 0.93])
def test_partially_written_jpeg_keeps_what_decodes(photo, tmp_path, caplog, fraction):
    path, rgb = photo
    data = path.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: int(len(data) * fraction)])
    assert cv2.imdecode(np.frombuffer(cut.read_bytes(), np.uint8), 1) is None  # the old way
    with caplog.at_level(logging.WARNING, logger="zoo.data.images"):
        image = read_image(cut)
    assert image.shape == rgb.shape
    assert any(
        "cut.jpg" in r.getMessage() and "partially" in r.getMessage() for r in caplog.records
    )
    top = image.shape[0] // 10  # the first rows were written whole and decode as in the full file
    assert np.abs(image[:top].astype(int) - rgb[:top]).mean() < 1.0


def test_partially_written_png(photo, tmp_path, caplog):
    _, rgb = photo
    _, png = cv2.imencode(".png", rgb[..., ::-1])
    cut = tmp_path / "cut.png"
    cut.write_bytes(png.tobytes()[: int(png.size * 0.8)])
    with caplog.at_level(logging.WARNING, logger="zoo.data.images"):
        image = read_image(cut)
    assert image.shape == rgb.shape
    assert np.array_equal(image[:20], rgb[:20])
    assert any("cut.png" in r.getMessage() for r in caplog.records)


def test_pixel_formats(photo, tmp_path):
    """RGBA, grayscale, palette and 16-bit PNG, CMYK JPEG, upper-case extension."""
    _, rgb = photo
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    cv2.imwrite(str(tmp_path / "rgba.png"), np.dstack([bgr, np.full(gray.shape, 255, np.uint8)]))
    assert np.array_equal(read_image(tmp_path / "rgba.png"), rgb)
    half = np.dstack([bgr, np.full(gray.shape, 0, np.uint8)])  # fully transparent: white
    cv2.imwrite(str(tmp_path / "clear.png"), half)
    assert (read_image(tmp_path / "clear.png") == 255).all()
    cv2.imwrite(str(tmp_path / "gray.png"), gray)
    assert np.array_equal(read_image(tmp_path / "gray.png"), np.dstack([gray] * 3))
    cv2.imwrite(str(tmp_path / "deep.png"), bgr.astype(np.uint16) * 257)
    assert np.array_equal(read_image(tmp_path / "deep.png"), rgb)
    cv2.imwrite(str(tmp_path / "deepgray.png"), gray.astype(np.uint16) * 257)
    assert np.array_equal(read_image(tmp_path / "deepgray.png")[..., 0], gray)
    Image.fromarray(rgb).quantize(64).save(tmp_path / "palette.png")
    palette = read_image(tmp_path / "palette.png")
    assert palette.shape == rgb.shape and np.abs(palette.astype(int) - rgb).mean() < 12
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    assert Image.open(tmp_path / "cmyk.jpg").mode == "CMYK"
    assert np.abs(read_image(tmp_path / "cmyk.jpg").astype(int) - rgb).mean() < 3
    cv2.imwrite(str(tmp_path / "UPPER.JPG"), bgr)
    assert read_image(tmp_path / "UPPER.JPG").shape == rgb.shape


def test_exif_orientation_applied(photo, tmp_path):
    _, rgb = photo
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewers turn it 90 degrees clockwise
    Image.fromarray(rgb).save(tmp_path / "turned.jpg", exif=exif, quality=95)
    image = read_image(tmp_path / "turned.jpg")
    assert image.shape == (rgb.shape[1], rgb.shape[0], 3)
    assert image_size(tmp_path / "turned.jpg") == (rgb.shape[0], rgb.shape[1])
    upright = np.rot90(read_image(tmp_path / "turned.jpg"), 1)  # undo the clockwise turn
    assert np.abs(upright.astype(int) - rgb).mean() < 3


def test_tiny_and_huge(tmp_path, monkeypatch):
    cv2.imwrite(str(tmp_path / "dot.png"), np.array([[[0, 0, 255]]], np.uint8))
    assert read_image(tmp_path / "dot.png").tolist() == [[[255, 0, 0]]]
    monkeypatch.setenv("ZOO_MAX_IMAGE_PIXELS", "50000000")
    big = tmp_path / "big.png"  # 61 megapixels, a few KB on disk
    Image.new("L", (9000, 6800)).save(big)
    with pytest.raises(DataError) as err:
        read_image(big)
    message = str(err.value)
    assert "big.png" in message and "61.2 megapixels" in message
    assert "ZOO_MAX_IMAGE_PIXELS" in message and "\n" not in message
    monkeypatch.setenv("ZOO_MAX_IMAGE_PIXELS", "62000000")
    assert image_size(big) == (9000, 6800)
    assert read_image(big, max_pixels=70_000_000).shape == (6800, 9000, 3)


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("empty.jpg", b"", "empty file"),
        ("page.jpg", b"<!DOCTYPE html><html><body>404</body></html>", "HTML page"),
        ("notes.png", b"just some text\n", "text file"),
        ("noise.jpg", bytes(range(200, 256)) * 4, "unknown file format"),
        ("header.jpg", b"\xff\xd8\xff\xe0 not really", "unreadable image"),
    ],
)
def test_not_images_are_named(tmp_path, name, content, said):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError) as err:
        read_image(tmp_path / name)
    assert name in str(err.value) and said in str(err.value)


def test_folder_named_like_an_image(tmp_path):
    (tmp_path / "photo.jpg").mkdir()
    with pytest.raises(DataError, match=r"photo\.jpg: is a folder"):
        read_image(tmp_path / "photo.jpg")


def test_frames_to_rgb():
    bgr = np.zeros((4, 5, 3), np.uint8)
    bgr[..., 0] = 200  # blue in OpenCV order
    assert to_rgb(bgr)[0, 0].tolist() == [0, 0, 200]
    assert to_rgb(bgr, "RGB")[0, 0].tolist() == [200, 0, 0]
    assert to_rgb(np.full((2, 2), 65535, np.uint16))[0, 0].tolist() == [255, 255, 255]
    assert to_rgb(np.ones((2, 2, 1), np.float32))[0, 0].tolist() == [255, 255, 255]
    with pytest.raises(DataError, match="camera: array of shape"):
        to_rgb(np.zeros((2, 2, 2), np.uint8), source="camera")
