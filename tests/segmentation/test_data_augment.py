"""Joint image + mask augmentation keeps pixels and labels aligned."""

from __future__ import annotations

import numpy as np

from zoo.segmentation.data.augment import (
    SegmentationAugment,
    center_crop,
    color_jitter,
    gaussian_blur,
    horizontal_flip,
    pad_pair,
    random_crop,
    random_scale,
)

PALETTE = np.array([[10, 20, 30], [200, 40, 90], [0, 250, 5], [77, 77, 77]], np.uint8)


def pair(h: int = 20, w: int = 30, seed: int = 0):
    """An image whose colour encodes the label, so alignment can be checked exactly."""
    mask = np.random.default_rng(seed).integers(0, 4, (h, w)).astype(np.int32)
    return PALETTE[mask], mask


def test_random_scale_resizes_both_with_nearest_labels():
    image, mask = pair()
    rng = np.random.default_rng(0)
    image2, mask2 = random_scale(image, mask, rng, (2.0, 2.0))
    assert image2.shape == (40, 60, 3) and mask2.shape == (40, 60)
    assert set(np.unique(mask2)) <= set(np.unique(mask))
    _, small = random_scale(image, mask, rng, (0.5, 0.5))
    assert small.shape == (10, 15)


def test_random_crop_pads_image_with_fill_and_mask_with_ignore():
    image, mask = pair(10, 10)
    rng = np.random.default_rng(0)
    out_image, out_mask = random_crop(image, mask, (16, 12), rng, ignore_index=255, fill=(1, 2, 3))
    assert out_image.shape == (16, 12, 3) and out_mask.shape == (16, 12)
    padded = out_mask == 255
    assert padded.sum() == 16 * 12 - 100
    assert (out_image[padded] == (1, 2, 3)).all()
    assert (out_image[~padded] == PALETTE[out_mask[~padded]]).all()


def test_crops_keep_alignment():
    image, mask = pair()
    out_image, out_mask = random_crop(image, mask, (8, 9), np.random.default_rng(3), 255)
    np.testing.assert_array_equal(out_image, PALETTE[out_mask])
    out_image, out_mask = center_crop(image, mask, (8, 9), 255)
    np.testing.assert_array_equal(out_mask, mask[6:14, 10:19])
    np.testing.assert_array_equal(out_image, PALETTE[out_mask])


def test_pad_pair_noop_when_big_enough():
    image, mask = pair()
    out_image, out_mask = pad_pair(image, mask, 5, 5, 255)
    assert out_image is image and out_mask is mask


def test_flip_moves_image_and_mask_together():
    image, mask = pair()
    flipped_image, flipped_mask = horizontal_flip(image, mask, np.random.default_rng(0), p=1.0)
    np.testing.assert_array_equal(flipped_mask, mask[:, ::-1])
    np.testing.assert_array_equal(flipped_image, PALETTE[flipped_mask])
    same = horizontal_flip(image, mask, np.random.default_rng(0), p=0.0)
    assert same[1] is mask


def test_color_jitter():
    image, _ = pair()
    rng = np.random.default_rng(0)
    out = color_jitter(image, rng, 0.4, 0.4, 0.4, 0.05)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not np.array_equal(out, image)
    np.testing.assert_array_equal(color_jitter(image, rng, 0, 0, 0, 0), image)


def test_gaussian_blur_smooths_only_when_drawn():
    image, mask = pair()
    blurred = gaussian_blur(image, np.random.default_rng(0), p=1.0, sigma_range=(1.0, 1.0))
    assert blurred.shape == image.shape and blurred.dtype == np.uint8
    # smoothing lowers the differences between neighbours
    step = np.abs(np.diff(image.astype(int), axis=1)).mean()
    assert np.abs(np.diff(blurred.astype(int), axis=1)).mean() < 0.7 * step
    assert gaussian_blur(image, np.random.default_rng(0), p=0.0) is image
    aug = SegmentationAugment(ignore_index=255, scale_range=(1, 1), flip_prob=0, brightness=0,
                              contrast=0, saturation=0, hue=0, blur_prob=1.0)  # fmt: skip
    out_image, out_mask = aug(image, mask, np.random.default_rng(0))
    np.testing.assert_array_equal(out_mask, mask)  # labels are never blurred
    assert not np.array_equal(out_image, image)


def test_augment_pipeline_keeps_alignment_and_crop_size():
    image, mask = pair(36, 48)
    aug = SegmentationAugment(
        crop_size=(32, 32), ignore_index=255, scale_range=(1, 1),
        brightness=0, contrast=0, saturation=0, hue=0,
    )  # fmt: skip
    for seed in range(5):
        out_image, out_mask = aug(image, mask, np.random.default_rng(seed))
        assert out_image.shape == (32, 32, 3) and out_mask.shape == (32, 32)
        np.testing.assert_array_equal(out_image, PALETTE[out_mask])
    full = SegmentationAugment(crop_size=(32, 32), ignore_index=255)
    out_image, out_mask = full(image, mask, np.random.default_rng(0))
    assert out_image.dtype == np.uint8 and out_mask.dtype == np.int32
    assert out_mask.shape == (32, 32) and out_image.flags.c_contiguous
