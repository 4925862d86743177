"""Palettes, colorize and the overlay with its legend."""

from __future__ import annotations

import numpy as np

from zoo.segmentation.data import CAMVID_CLASSES
from zoo.segmentation.overlay import (
    CAMVID_PALETTE,
    colorize,
    draw_legend,
    legend_band,
    overlay,
    palette_for,
    voc_palette,
)


def test_voc_palette_known_entries():
    p = voc_palette(256)
    assert p.shape == (256, 3) and p.dtype == np.uint8
    assert p[1].tolist() == [128, 0, 0] and p[3].tolist() == [128, 128, 0]
    assert p[4].tolist() == [0, 0, 128] and p[15].tolist() == [192, 128, 128]
    assert p[255].tolist() == [224, 224, 192]
    assert len({tuple(c) for c in p.tolist()}) == 256


def test_palette_for():
    np.testing.assert_array_equal(palette_for(list(CAMVID_CLASSES)), CAMVID_PALETTE)
    assert palette_for(["cat", "dog", "bird"]).tolist() == voc_palette(3).tolist()
    assert palette_for(5).shape == (5, 3)


def test_colorize_void_black():
    mask = np.array([[0, 3, 11, 200]])
    out = colorize(mask, CAMVID_PALETTE, ignore_index=11)
    assert out.shape == (1, 4, 3) and out.dtype == np.uint8
    assert out[0, 1].tolist() == CAMVID_PALETTE[3].tolist()
    assert out[0, 2].tolist() == [0, 0, 0] and out[0, 3].tolist() == [0, 0, 0]


def test_overlay_blends_and_keeps_void():
    image = np.full((60, 80, 3), 100, np.uint8)
    mask = np.full((60, 80), 11, np.int32)
    mask[30:, :] = 3
    out = overlay(image, mask, list(CAMVID_CLASSES), alpha=0.5, ignore_index=11, legend=False)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert (out[:30] == 100).all()
    expected = np.round(0.5 * 100 + 0.5 * CAMVID_PALETTE[3].astype(float))
    np.testing.assert_allclose(out[45, 40], expected, atol=1)
    same = overlay(image, mask, list(CAMVID_CLASSES), alpha=0.0, legend=False)
    np.testing.assert_array_equal(same, image)


def test_overlay_resizes_mask_and_draws_legend_of_present_classes():
    image = np.zeros((240, 320, 3), np.uint8)
    mask = np.zeros((120, 160), np.int32)
    mask[:, 80:] = 8
    plain = overlay(image, mask, list(CAMVID_CLASSES), alpha=1.0, legend=False)
    out = overlay(image, mask, list(CAMVID_CLASSES), alpha=1.0)
    assert out.shape == (240, 320, 3)
    assert (plain[:, 160:] == CAMVID_PALETTE[8]).all()
    changed = np.argwhere((out != plain).any(axis=2))
    assert changed.size and changed[:, 0].max() < 120 and changed[:, 1].max() < 200
    # the Car swatch is drawn; a class that is absent (Road) is not
    legend = out[: changed[:, 0].max() + 1, : changed[:, 1].max() + 1].reshape(-1, 3)
    assert (legend == CAMVID_PALETTE[8]).all(axis=1).any()
    assert not (legend == CAMVID_PALETTE[3]).all(axis=1).any()


def test_legend_in_columns_for_small_images():
    image = np.zeros((40, 300, 3), np.uint8)
    entries = [(f"class {i}", tuple(int(v) for v in voc_palette(21)[i])) for i in range(1, 21)]
    out = draw_legend(image, entries)
    assert out.shape == image.shape and out.any()
    assert not image.any()  # the input is not modified


def test_legend_below_hides_nothing():
    image = np.full((120, 160, 3), 90, np.uint8)
    mask = np.zeros((120, 160), np.int32)
    mask[:, 80:] = 8
    plain = overlay(image, mask, list(CAMVID_CLASSES), alpha=0.5, legend=False)
    out = overlay(image, mask, list(CAMVID_CLASSES), alpha=0.5, legend="below")
    assert out.shape[1:] == (160, 3) and out.shape[0] > 120
    np.testing.assert_array_equal(out[:120], plain)  # the picture is untouched
    band = out[120:].reshape(-1, 3)
    assert (band == CAMVID_PALETTE[8]).all(axis=1).any()  # Car's swatch
    assert (band == CAMVID_PALETTE[0]).all(axis=1).any()  # Sky's swatch
    assert not (band == CAMVID_PALETTE[3]).all(axis=1).any()  # Road is absent


def test_legend_band_wraps_rows():
    entries = [(f"class {i}", tuple(int(v) for v in voc_palette(21)[i])) for i in range(1, 21)]
    narrow, wide = legend_band(120, entries), legend_band(1200, entries)
    assert narrow.shape[1] == 120 and wide.shape[1] == 1200
    assert narrow.shape[0] > wide.shape[0]
