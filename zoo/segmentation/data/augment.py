"""Joint image + mask augmentation with OpenCV: random scale, crop, flip and colour jitter.

Images are RGB ``uint8`` ``(H, W, 3)``; masks are integer class indices ``(H, W)``. Geometry
uses bilinear interpolation for images and nearest neighbour for masks; padding fills images
with a mean colour and masks with the ignore label, so padded pixels never count in the loss.

Example:
    >>> aug = SegmentationAugment(crop_size=(256, 256), ignore_index=11)
    >>> rng = np.random.default_rng(0)
    >>> image, mask = aug(np.zeros((360, 480, 3), np.uint8), np.zeros((360, 480), np.int32), rng)
    >>> image.shape, mask.shape
    ((256, 256, 3), (256, 256))
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

IMAGENET_MEAN_RGB = (124, 116, 104)


def random_scale(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
    scale_range: tuple[float, float] = (0.5, 2.0),
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Resize image and mask by one factor drawn uniformly from ``scale_range``.

    Example:
        >>> random_scale(img, mask, np.random.default_rng(0), (2.0, 2.0))[1].shape  # doctest: +SKIP
        (720, 960)
    """
    scale = rng.uniform(*scale_range)
    h, w = mask.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return resize_pair(image, mask, size)


def resize_pair(
    image: np.ndarray, mask: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Resize to ``size = (width, height)``: bilinear for the image, nearest for the mask.

    Example:
        >>> resize_pair(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.int32), (2, 3))[1].shape
        (3, 2)
    """
    image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    mask = cv2.resize(mask.astype(np.int32), size, interpolation=cv2.INTER_NEAREST)
    return image, mask


def pad_pair(
    image: np.ndarray, mask: np.ndarray, height: int, width: int, ignore_index: int,
    fill: tuple[int, int, int] = IMAGENET_MEAN_RGB,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Pad bottom/right up to at least ``height x width`` (image with ``fill``, mask ignored).

    Example:
        >>> pad_pair(np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), np.int32), 3, 4, 255)[1]
        array([[  0,   0, 255, 255],
               [  0,   0, 255, 255],
               [255, 255, 255, 255]], dtype=int32)
    """
    h, w = mask.shape[:2]
    dh, dw = max(0, height - h), max(0, width - w)
    if dh == 0 and dw == 0:
        return image, mask
    image = cv2.copyMakeBorder(image, 0, dh, 0, dw, cv2.BORDER_CONSTANT, value=tuple(fill))
    mask = np.pad(mask, ((0, dh), (0, dw)), constant_values=ignore_index)
    return image, mask


def random_crop(
    image: np.ndarray, mask: np.ndarray, size: tuple[int, int], rng: np.random.Generator,
    ignore_index: int, fill: tuple[int, int, int] = IMAGENET_MEAN_RGB,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Crop a random ``size = (height, width)`` window, padding first when the image is smaller.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> random_crop(img, mask, (256, 256), rng, 11)[0].shape  # doctest: +SKIP
        (256, 256, 3)
    """
    ch, cw = size
    image, mask = pad_pair(image, mask, ch, cw, ignore_index, fill)
    h, w = mask.shape
    y = int(rng.integers(0, h - ch + 1))
    x = int(rng.integers(0, w - cw + 1))
    return image[y : y + ch, x : x + cw], mask[y : y + ch, x : x + cw]


def center_crop(
    image: np.ndarray, mask: np.ndarray, size: tuple[int, int], ignore_index: int,
    fill: tuple[int, int, int] = IMAGENET_MEAN_RGB,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Crop the central ``size = (height, width)`` window, padding when the image is smaller.

    Example:
        >>> center_crop(img, mask, (352, 480), 11)[1].shape  # doctest: +SKIP
        (352, 480)
    """
    ch, cw = size
    image, mask = pad_pair(image, mask, ch, cw, ignore_index, fill)
    h, w = mask.shape
    y, x = (h - ch) // 2, (w - cw) // 2
    return image[y : y + ch, x : x + cw], mask[y : y + ch, x : x + cw]


def horizontal_flip(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator, p: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Mirror image and mask left-right with probability ``p``.

    Example:
        >>> horizontal_flip(img, mask, np.random.default_rng(0), p=1.0)  # doctest: +SKIP
    """
    if rng.random() < p:
        return image[:, ::-1], mask[:, ::-1]
    return image, mask


def color_jitter(
    image: np.ndarray, rng: np.random.Generator, brightness: float = 0.25,
    contrast: float = 0.25, saturation: float = 0.25, hue: float = 0.02,
) -> np.ndarray:  # fmt: skip
    """Randomly change brightness, contrast, saturation (factors ``1 +- x``) and hue
    (shift ``+- hue`` of a full turn) of an RGB uint8 image, in random order.

    Example:
        >>> color_jitter(img, np.random.default_rng(0)).dtype  # doctest: +SKIP
        dtype('uint8')
    """
    out = image.astype(np.float32)
    for op in rng.permutation(4):
        if op == 0 and brightness > 0:
            out *= rng.uniform(1 - brightness, 1 + brightness)
        elif op == 1 and contrast > 0:
            grey = _grey(out).mean()
            out = (out - grey) * rng.uniform(1 - contrast, 1 + contrast) + grey
        elif op == 2 and saturation > 0:
            grey = _grey(out)[..., None]
            out = (out - grey) * rng.uniform(1 - saturation, 1 + saturation) + grey
        elif op == 3 and hue > 0:
            hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV_FULL)
            shift = round(rng.uniform(-hue, hue) * 256)
            hsv[..., 0] = ((hsv[..., 0].astype(np.int32) + shift) % 256).astype(np.uint8)
            out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL).astype(np.float32)
        out = np.clip(out, 0, 255)
    return out.astype(np.uint8)


def gaussian_blur(
    image: np.ndarray, rng: np.random.Generator, p: float = 0.0,
    sigma_range: tuple[float, float] = (0.2, 1.5),
) -> np.ndarray:  # fmt: skip
    """Blur with a Gaussian of a random sigma in ``sigma_range`` with probability ``p``
    (models other cameras' focus and motion).

    Example:
        >>> gaussian_blur(img, np.random.default_rng(0), p=1.0).shape == img.shape  # doctest: +SKIP
        True
    """
    if p <= 0 or rng.random() >= p:
        return image
    return cv2.GaussianBlur(image, (0, 0), float(rng.uniform(*sigma_range)))


def _grey(image: np.ndarray) -> np.ndarray:
    return image[..., 0] * 0.299 + image[..., 1] * 0.587 + image[..., 2] * 0.114


@dataclass
class SegmentationAugment:
    """Training augmentation: random scale -> random crop (padded) -> flip -> colour jitter
    -> blur.

    ``crop_size`` is ``(height, width)`` or ``None`` (no crop: the output size varies with the
    scale). Set any part to its neutral value to switch it off, e.g. ``scale_range=(1, 1)``.

    Example:
        >>> aug = SegmentationAugment(crop_size=(352, 480), ignore_index=11)
        >>> image, mask = aug(image, mask, np.random.default_rng(0))  # doctest: +SKIP
    """

    crop_size: tuple[int, int] | None = None
    ignore_index: int = 255
    scale_range: tuple[float, float] = (0.5, 2.0)
    flip_prob: float = 0.5
    brightness: float = 0.25
    contrast: float = 0.25
    saturation: float = 0.25
    hue: float = 0.02
    blur_prob: float = 0.0
    blur_sigma: tuple[float, float] = (0.2, 1.5)
    fill: tuple[int, int, int] = IMAGENET_MEAN_RGB

    def __call__(
        self, image: np.ndarray, mask: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Augment one ``(image, mask)`` pair with the random generator ``rng``."""
        if tuple(self.scale_range) != (1, 1):
            image, mask = random_scale(image, mask, rng, self.scale_range)
        if self.crop_size is not None:
            image, mask = random_crop(
                image, mask, self.crop_size, rng, self.ignore_index, self.fill
            )
        image, mask = horizontal_flip(image, mask, rng, self.flip_prob)
        image = color_jitter(image, rng, self.brightness, self.contrast, self.saturation, self.hue)
        image = gaussian_blur(image, rng, self.blur_prob, tuple(self.blur_sigma))
        return np.ascontiguousarray(image), np.ascontiguousarray(mask)
