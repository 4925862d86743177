"""A Keras ``PyDataset`` of detection training batches: augmented images and YOLO targets.

Each batch is ``(images, y)``: ``images`` float32 RGB 0..255 ``(B, H, W, 3)`` at the model's
input size (letterboxed or stretched, as the model's ``preprocessing["resize"]``), and ``y``
a dict of numpy arrays: ``"s{stride}"`` targets per scale (see
:func:`zoo.detection.targets.build_targets`) and ``"boxes"`` ``(B, max_boxes, 4)``, every
ground-truth box in input pixels (difficult ones included there, for the loss' ignore mask,
but never as targets).

Training augmentation (numpy + OpenCV, :mod:`zoo.detection.augment`): mosaic of four images
with probability ``mosaic``, else a letterbox; a random zoom/shift; a left-right flip; HSV
gains. Decoded images are cached, shrunk to fit the input size.

Example:
    >>> train = DetectionLoader(ds, model, augment=Augment(), shuffle=True)  # doctest: +SKIP
    >>> images, y = train[0]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from zoo.data.batches import EpochBatches
from zoo.detection.augment import hsv_jitter, mosaic, random_affine, random_hflip
from zoo.detection.data import DetectionDataset, read_image
from zoo.detection.predict import prepare_image
from zoo.detection.targets import batch_targets
from zoo.errors import DataError


@dataclass(frozen=True)
class Augment:
    """Training augmentation settings (probabilities, ranges, HSV gains).

    Example:
        >>> Augment(mosaic=0.0, flip=0.5).scale
        (0.5, 1.5)
    """

    mosaic: float = 0.5
    scale: tuple[float, float] = (0.5, 1.5)
    translate: float = 0.1
    flip: float = 0.5
    hsv: tuple[float, float, float] = (0.015, 0.7, 0.4)


class DetectionLoader(EpochBatches):
    """Batches of ``(images, targets)`` for a YOLO model from a :class:`DetectionDataset`.

    Args:
        dataset: images and boxes; labels must already be the model's class indices.
        model: the detector (gives ``input_size``, ``strides``, ``anchors``, ``num_classes``,
            ``preprocessing``).
        batch_size: images per batch.
        augment: an :class:`Augment`, or ``None`` for plain resizing (validation).
        shuffle: reshuffle every epoch.
        cache: keep decoded (shrunk) images in memory.
        max_boxes: ground-truth boxes kept per image for the ignore mask.
        drop_remainder: drop the last, smaller batch.
        seed: seed of order and augmentation (reproducible per epoch and batch).
        pydataset: ``workers``, ``use_multiprocessing``, ``max_queue_size``, passed to
            ``keras.utils.PyDataset``.
    """

    def __init__(
        self,
        dataset: DetectionDataset,
        model,
        batch_size: int = 8,
        augment: Augment | None = None,
        shuffle: bool = False,
        cache: bool = True,
        max_boxes: int = 100,
        drop_remainder: bool = False,
        seed: int = 0,
        **pydataset,
    ) -> None:
        if len(dataset) == 0:
            raise DataError(f"{dataset.source}: no images")
        super().__init__(dataset, batch_size, shuffle, cache, drop_remainder, seed, **pydataset)
        self.input_size = tuple(int(v) for v in model.input_size)
        self.strides = [int(s) for s in model.strides]
        self.anchors = [list(a) for a in model.anchors]
        self.num_classes = int(model.num_classes)
        self.preprocessing = dict(model.preprocessing)
        self.augment = augment
        self.max_boxes = int(max_boxes)

    def __getitem__(self, index: int):
        items = [self.sample(i, rng) for i, rng in self.batch_items(index)]
        images = np.stack([img for img, _, _ in items]).astype(np.float32)
        y = batch_targets(
            [(b, lab) for _, b, lab in items],
            self.input_size,
            self.strides,
            self.anchors,
            self.num_classes,
            self.max_boxes,
        )
        return images, y

    def load(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Image ``i`` shrunk to fit the input size, its boxes and labels (difficult: ``-1``)."""
        if self.cache and i in self._cache:
            return self._cache[i]
        s = self.dataset.samples[i]
        image = read_image(s.image_path)
        h, w = image.shape[:2]
        r = min(self.input_size[0] / h, self.input_size[1] / w)
        boxes = s.boxes.astype(np.float32).copy()
        if r < 1:
            nw, nh = max(1, round(w * r)), max(1, round(h * r))
            image = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
            boxes[:, 0::2] *= nw / w
            boxes[:, 1::2] *= nh / h
        labels = np.where(s.difficult, -1, s.labels).astype(np.int64)
        return self.remember(i, (image, boxes, labels))

    def sample(self, i: int, rng: np.random.Generator):
        """Sample ``i`` at the input size, augmented when training: ``(image, boxes, labels)``."""
        a = self.augment
        if a is not None and a.mosaic > 0 and rng.random() < a.mosaic:
            others = rng.integers(0, len(self.dataset), 3)
            tiles = [self.load(i), *(self.load(int(j)) for j in others)]
            image, boxes, labels = mosaic(tiles, self.input_size, rng, scale=(0.5, 1.0))
        else:
            image, boxes, labels = self.load(i)
            image, t = prepare_image(image, self.input_size, self.preprocessing)
            boxes = t.apply(boxes)
        if a is not None:
            if a.scale != (1.0, 1.0) or a.translate:
                image, boxes, labels = random_affine(
                    image, boxes, labels, rng, scale=a.scale, translate=a.translate
                )
            image, boxes, labels = random_hflip(image, boxes, labels, rng, p=a.flip)
            if any(a.hsv):
                image = hsv_jitter(image, rng, *a.hsv)
        labels = np.zeros(0, np.int64) if labels is None else np.asarray(labels, np.int64)
        return image, np.asarray(boxes, np.float32).reshape(-1, 4), labels
