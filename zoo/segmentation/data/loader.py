"""A Keras ``PyDataset`` of segmentation batches for ``model.fit`` / ``evaluate``.

Batches are ``(images, masks)``: images float32 RGB in 0..255, shape ``(B, H, W, 3)``; masks
int32 class indices ``(B, H, W)`` carrying the ignore label on void pixels. With
``class_weights`` the batch is ``(images, masks, sample_weight)``: per-pixel float32 weights,
0 on void, and void pixels in the mask set to 0 so that any sparse loss accepts them.

Images in one batch that differ in size are padded (bottom/right) to the largest, the mask with
the ignore label; ``pad_to_multiple`` rounds that size up (e.g. 32 for a 5-stage encoder).

Example:
    >>> ds = read_camvid(data_root() / "camvid", "train")  # doctest: +SKIP
    >>> train = SegmentationLoader(ds, batch_size=8, crop_size=(352, 480), augment=True,
    ...                            shuffle=True, cache=True)  # doctest: +SKIP
    >>> x, y = train[0]  # doctest: +SKIP
    >>> x.shape, x.dtype, y.shape, y.dtype  # doctest: +SKIP
    ((8, 352, 480, 3), dtype('float32'), (8, 352, 480), dtype('int32'))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zoo.data.batches import EpochBatches
from zoo.errors import DataError
from zoo.segmentation.data.augment import IMAGENET_MEAN_RGB, SegmentationAugment, center_crop
from zoo.segmentation.data.copy_paste import CopyPaste
from zoo.segmentation.data.io import read_image, read_mask, void_out_of_range
from zoo.segmentation.data.readers import SegmentationDataset


class SegmentationLoader(EpochBatches):
    """Batches of ``(images, masks[, sample_weight])`` from a :class:`SegmentationDataset`.

    Args:
        dataset: the image/mask pairs.
        batch_size: pairs per batch.
        crop_size: ``(height, width)``; random crop when augmenting, else centre crop (both pad
            with the ignore label / ``fill`` colour when the image is smaller). ``None``: full size.
        augment: ``True`` for the default :class:`SegmentationAugment`, or an instance of it.
        shuffle: reshuffle the order every epoch.
        cache: keep decoded images and masks in memory (CamVid train: about 250 MB); per
            process, so it pays off with threads rather than processes.
        class_weights: ``None``; per-class weights; ``"median_frequency"``;
            ``"sqrt_median_frequency"`` (its square root, a milder balance); or ``"uniform"``
            (1 everywhere but void) — makes the batch carry ``sample_weight``.
        pad_to_multiple: round each batch's height and width up to a multiple of this.
        drop_remainder: drop the last, smaller batch.
        seed: seed of shuffling and augmentation (batches are reproducible per epoch and index).
        copy_paste: a :class:`CopyPaste` applied before ``augment``, its donors drawn from
            this dataset (for a training loader).
        pydataset: ``workers``, ``use_multiprocessing``, ``max_queue_size``, passed to
            ``keras.utils.PyDataset``.

    Example:
        >>> val = SegmentationLoader(read_camvid(root, "val"), batch_size=4)  # doctest: +SKIP
    """

    def __init__(
        self,
        dataset: SegmentationDataset,
        batch_size: int = 8,
        crop_size: tuple[int, int] | None = None,
        augment: bool | SegmentationAugment = False,
        shuffle: bool = False,
        cache: bool = False,
        class_weights: Sequence[float] | np.ndarray | str | None = None,
        pad_to_multiple: int | None = None,
        drop_remainder: bool = False,
        seed: int = 0,
        fill: tuple[int, int, int] = IMAGENET_MEAN_RGB,
        copy_paste: CopyPaste | None = None,
        **pydataset,
    ) -> None:
        if len(dataset) == 0:
            raise DataError(f"{dataset.source or 'dataset'}: no image/mask pairs")
        super().__init__(dataset, batch_size, shuffle, cache, drop_remainder, seed, **pydataset)
        self.crop_size = tuple(crop_size) if crop_size is not None else None
        self.ignore_index = dataset.ignore_index if dataset.ignore_index is not None else 255
        self.fill = tuple(fill)
        if augment is True:
            augment = SegmentationAugment(self.crop_size, self.ignore_index, fill=self.fill)
        self.augment = augment or None
        self.copy_paste = copy_paste
        self.pad_to_multiple = pad_to_multiple
        self.class_weights = self._resolve_weights(class_weights)

    def __getitem__(self, index: int):
        pairs = [self._prepare(i, rng) for i, rng in self.batch_items(index)]
        images, masks = self._collate(pairs)
        if self.class_weights is None:
            return images, masks
        valid = (masks >= 0) & (masks < len(self.class_weights)) & (masks != self.ignore_index)
        weights = np.where(valid, self.class_weights[np.where(valid, masks, 0)], 0.0)
        return images, np.where(valid, masks, 0).astype(np.int32), weights.astype(np.float32)

    def load(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Decode pair ``i`` (RGB uint8 image, integer mask), from the cache when enabled."""
        if self.cache and i in self._cache:
            return self._cache[i]
        image = read_image(self.dataset.image_paths[i])
        mask = read_mask(self.dataset.mask_paths[i])
        if image.shape[:2] != mask.shape:
            raise DataError(
                f"{self.dataset.mask_paths[i]}: mask size {mask.shape[1]}x{mask.shape[0]} differs "
                f"from image {image.shape[1]}x{image.shape[0]}"
            )
        mask = void_out_of_range(
            mask, self.dataset.num_classes, self.ignore_index, self.dataset.mask_paths[i]
        )
        if self.cache:
            small = mask.min() >= 0 and mask.max() <= 255  # store masks as uint8 when they fit
            self.remember(i, (image, mask.astype(np.uint8) if small else mask))
        return image, mask

    def _prepare(self, i: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        image, mask = self.load(i)
        mask = mask.astype(np.int32, copy=False)
        if self.copy_paste is not None:
            image, mask = self.copy_paste(image, mask, self._random_pair, rng)
        if self.augment is not None:
            image, mask = self.augment(image, mask, rng)
            if self.crop_size is not None and mask.shape != self.crop_size:
                image, mask = center_crop(image, mask, self.crop_size, self.ignore_index, self.fill)
        elif self.crop_size is not None:
            image, mask = center_crop(image, mask, self.crop_size, self.ignore_index, self.fill)
        return image, mask

    def _random_pair(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return self.load(int(rng.integers(len(self.dataset))))

    def _collate(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        h = max(m.shape[0] for _, m in pairs)
        w = max(m.shape[1] for _, m in pairs)
        if self.pad_to_multiple:
            k = self.pad_to_multiple
            h, w = -(-h // k) * k, -(-w // k) * k
        images = np.empty((len(pairs), h, w, 3), np.float32)
        images[...] = np.asarray(self.fill, np.float32)
        masks = np.full((len(pairs), h, w), self.ignore_index, np.int32)
        for b, (image, mask) in enumerate(pairs):
            images[b, : mask.shape[0], : mask.shape[1]] = image
            masks[b, : mask.shape[0], : mask.shape[1]] = mask
        return images, masks

    def _resolve_weights(self, weights) -> np.ndarray | None:
        if weights is None:
            return None
        if isinstance(weights, str):
            if weights == "uniform":
                return np.ones(self.dataset.num_classes, np.float32)
            if weights in ("median_frequency", "sqrt_median_frequency"):
                from zoo.segmentation.class_weights import dataset_class_weights

                mfb = dataset_class_weights(self.dataset)
                return np.sqrt(mfb) if weights.startswith("sqrt") else mfb
            raise ValueError(
                f"class_weights={weights!r}: use 'median_frequency', 'sqrt_median_frequency' "
                "or 'uniform'"
            )
        weights = np.asarray(weights, np.float32)
        if weights.shape != (self.dataset.num_classes,):
            raise ValueError(
                f"class_weights has shape {weights.shape}; expected ({self.dataset.num_classes},)"
            )
        return weights
