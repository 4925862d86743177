"""Segmentation readers on tiny fixtures of each layout, and on the real CamVid."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from zoo.errors import DataError
from zoo.segmentation.data import (
    CAMVID_CLASSES,
    VOC_CLASSES,
    read_camvid,
    read_image,
    read_mask,
    read_mask_folder,
    read_segmentation_dataset,
    read_voc_segmentation,
)
from zoo.segmentation.data.io import png_palette
from zoo.segmentation.overlay import voc_palette


def write_palette_png(path: Path, indices: np.ndarray, palette: np.ndarray) -> None:
    """Write an 8-bit palette (colour type 3) PNG by hand: OpenCV cannot, PIL may be absent."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    h, w = indices.shape
    raw = b"".join(b"\x00" + indices[r].astype(np.uint8).tobytes() for r in range(h))
    header = struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_pair(image_dir: Path, mask_dir: Path, stem: str, mask: np.ndarray) -> None:
    image_dir.mkdir(parents=True, exist_ok=True)
    mask_dir.mkdir(parents=True, exist_ok=True)
    image = np.random.default_rng(0).integers(0, 255, (*mask.shape, 3), dtype=np.uint8)
    cv2.imwrite(str(image_dir / f"{stem}.jpg"), image)
    cv2.imwrite(str(mask_dir / f"{stem}.png"), mask.astype(np.uint8))


def make_camvid(root: Path, split: str = "train", n: int = 3, shape=(12, 16)) -> Path:
    rng = np.random.default_rng(1)
    for i in range(n):
        write_pair(root / split, root / f"{split}annot", f"f{i:03d}", rng.integers(0, 12, shape))
    return root


def make_voc(root: Path, stems=("2007_000032", "2007_000033"), shape=(10, 14)) -> Path:
    (root / "JPEGImages").mkdir(parents=True)
    (root / "SegmentationClass").mkdir()
    (root / "ImageSets" / "Segmentation").mkdir(parents=True)
    rng = np.random.default_rng(2)
    masks = {}
    for stem in stems:
        mask = rng.integers(0, 21, shape)
        mask[0, :] = 255
        masks[stem] = mask
        cv2.imwrite(str(root / "JPEGImages" / f"{stem}.jpg"), np.zeros((*shape, 3), np.uint8))
        write_palette_png(root / "SegmentationClass" / f"{stem}.png", mask, voc_palette(256))
    (root / "ImageSets" / "Segmentation" / "train.txt").write_text("\n".join(stems) + "\n")
    return root, masks


def test_camvid_layout(tmp_path):
    root = make_camvid(tmp_path / "camvid")
    ds = read_camvid(root, "train")
    assert len(ds) == 3 and ds.source == "camvid"
    assert ds.class_names == list(CAMVID_CLASSES) and ds.ignore_index == 11
    assert [p.stem for p in ds.image_paths] == [p.stem for p in ds.mask_paths] == ds.stems
    assert read_segmentation_dataset(root, "train").source == "camvid"
    assert len(ds.subset([0, 2])) == 2


def test_camvid_missing_mask_names_stem(tmp_path):
    root = make_camvid(tmp_path / "camvid")
    (root / "trainannot" / "f001.png").unlink()
    with pytest.raises(DataError, match="f001"):
        read_camvid(root, "train")


def test_camvid_mask_without_image_names_stem(tmp_path):
    root = make_camvid(tmp_path / "camvid")
    (root / "train" / "f002.jpg").unlink()
    with pytest.raises(DataError, match="f002"):
        read_camvid(root, "train")


def test_mask_folder_with_class_list(tmp_path):
    for i in range(2):
        write_pair(tmp_path / "images", tmp_path / "masks", f"im{i}", np.full((8, 8), i))
    (tmp_path / "classes.txt").write_text("background\ncrack\n")
    ds = read_mask_folder(tmp_path)
    assert ds.class_names == ["background", "crack"] and ds.ignore_index == 255
    assert read_segmentation_dataset(tmp_path, None).source == "mask_folder"


def test_mask_folder_infers_classes_and_split_folders(tmp_path):
    mask = np.array([[0, 3], [255, 1]])
    write_pair(tmp_path / "val" / "images", tmp_path / "val" / "masks", "a", mask)
    ds = read_segmentation_dataset(tmp_path, "val")
    assert ds.class_names == ["class_0", "class_1", "class_2", "class_3"]


def test_voc_palette_masks_read_as_indices(tmp_path):
    root, masks = make_voc(tmp_path / "VOCdevkit" / "VOC2012")
    data = (root / "SegmentationClass" / "2007_000032.png").read_bytes()
    assert png_palette(data).shape == (256, 3)
    ds = read_voc_segmentation(tmp_path, "train")  # a folder above VOC2012 works too
    assert ds.class_names == list(VOC_CLASSES) and ds.ignore_index == 255
    assert ds.stems == ["2007_000032", "2007_000033"]
    for stem, path in zip(ds.stems, ds.mask_paths, strict=True):
        np.testing.assert_array_equal(read_mask(path), masks[stem])
    assert read_segmentation_dataset(root, "train").source == "voc"


def test_voc_missing_mask_names_stem(tmp_path):
    root, _ = make_voc(tmp_path)
    (root / "SegmentationClass" / "2007_000033.png").unlink()
    with pytest.raises(DataError, match="2007_000033"):
        read_voc_segmentation(root, "train")
    with pytest.raises(DataError, match=r"val\.txt"):
        read_voc_segmentation(root, "val")


def test_palette_with_repeated_colour_takes_first_index(tmp_path):
    palette = np.zeros((8, 3), np.uint8)  # padded palette: entries 3..7 repeat black
    palette[1], palette[2] = (200, 0, 0), (0, 200, 0)
    indices = np.array([[0, 1, 2, 1]])
    write_palette_png(tmp_path / "m.png", indices, palette)
    np.testing.assert_array_equal(read_mask(tmp_path / "m.png"), indices)


def test_mask_formats(tmp_path):
    grey16 = np.array([[0, 300], [2, 65535]], np.uint16)
    cv2.imwrite(str(tmp_path / "g16.png"), grey16)
    np.testing.assert_array_equal(read_mask(tmp_path / "g16.png"), grey16.astype(np.int32))
    grey3 = np.dstack([np.array([[1, 2]], np.uint8)] * 3)
    cv2.imwrite(str(tmp_path / "g3.png"), grey3)
    np.testing.assert_array_equal(read_mask(tmp_path / "g3.png"), [[1, 2]])
    cv2.imwrite(str(tmp_path / "rgb.png"), np.array([[[1, 2, 3]]], np.uint8))
    with pytest.raises(DataError, match=r"rgb\.png"):
        read_mask(tmp_path / "rgb.png")


def test_unreadable_files(tmp_path):
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"bad\.jpg"):
        read_image(tmp_path / "bad.jpg")
    with pytest.raises(DataError, match=r"missing\.png"):
        read_mask(tmp_path / "missing.png")


def test_read_image_is_rgb(tmp_path):
    bgr = np.zeros((4, 4, 3), np.uint8)
    bgr[..., 2] = 255  # red in OpenCV's BGR order
    cv2.imwrite(str(tmp_path / "red.png"), bgr)
    assert read_image(tmp_path / "red.png")[0, 0].tolist() == [255, 0, 0]


def test_unknown_layout(tmp_path):
    (tmp_path / "stuff").mkdir()
    with pytest.raises(DataError, match="unknown segmentation layout"):
        read_segmentation_dataset(tmp_path, "train")
    with pytest.raises(DataError, match="not found"):
        read_segmentation_dataset(tmp_path / "nope", "train")


@pytest.mark.data
def test_real_camvid(zoo_data):
    root = zoo_data / "camvid"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    train, val = read_camvid(root, "train"), read_segmentation_dataset(root, "val")
    assert (len(train), len(val)) == (367, 101)
    image, mask = read_image(train.image_paths[0]), read_mask(train.mask_paths[0])
    assert image.shape == (360, 480, 3) and mask.shape == (360, 480)
    assert mask.min() >= 0 and mask.max() <= 11
