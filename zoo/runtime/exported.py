"""Exported files as zoo models: ``detect``, ``segment`` and ``translate`` over a runner.

The classes mirror the Keras models' inference API (same arguments, same results) and their
attributes (``task``, ``class_names``, ``num_classes``, ``input_size``, ``preprocessing``,
``languages``), so ``zoo detect``, ``zoo segment``, ``zoo translate`` and ``zoo eval`` take
them as they take a ``.keras`` model. Detection images are brought to the network size in
numpy exactly as the Keras detectors do (:func:`zoo.detection.prepare.prepare_image`; the
file's own resize is then the identity) and the boxes mapped back to each image's pixels.

Translation: :mod:`zoo.runtime.translator`.

Example:
    >>> model = zoo.load("yolo-wildlife.onnx")  # doctest: +SKIP
    >>> model.detect([image], conf=0.25)         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zoo.data.chunks import image_list, indices_by_size, padded_chunks
from zoo.errors import ZooError


class ExportedModel:
    """What every exported model has: its runner, metadata and the attributes zoo reads."""

    task: str = ""

    def __init__(self, runner):
        self.runner = runner
        self.metadata = dict(runner.metadata)
        self.runtime = runner.fmt
        self.class_names = list(self.metadata.get("class_names") or [])
        self.num_classes = int(self.metadata.get("num_classes") or len(self.class_names))
        self.preprocessing = dict(self.metadata.get("preprocessing") or {})
        source = self.metadata.get("source") or {}
        self.name = f"{source.get('name') or 'model'}-{self.runtime}"
        batch = self.metadata.get("batch", "dynamic")
        self.fixed_batch = batch if isinstance(batch, int) else None

    def for_inference(self):
        """Itself: an exported model is already inference-only."""
        return self

    def _chunking(self, count: int, batch_size: int) -> tuple[int, bool]:
        """The batch size and whether to pad: the file's fixed batch, or ``batch_size``
        padded when there are several chunks."""
        size = self.fixed_batch or batch_size
        return size, self.fixed_batch is not None or count > size


class ExportedDetector(ExportedModel):
    """An exported detector: ``detect`` as :meth:`zoo.detection.predict.DetectorMixin.detect`."""

    task = "detection"

    def __init__(self, runner):
        super().__init__(runner)
        self.input_size = tuple(int(v) for v in self.metadata["input_size"])
        self.postprocess = dict(self.metadata.get("postprocess") or {})
        self.max_det = int(self.metadata.get("max_det") or self.postprocess.get("max_det", 100))

    def detect(
        self,
        images: np.ndarray | Sequence[np.ndarray],
        conf: float | None = None,
        iou: float | None = None,
        max_det: int | None = None,
        batch_size: int = 8,
        **settings,
    ) -> list[dict]:
        """Detect objects in RGB uint8 images of any size; one dict per image with ``boxes``
        ``(K, 4)`` in the image's pixels, ``scores`` and ``labels``, best first.

        ``multi_label`` and ``pre_nms_topk`` are fixed in the file; ``max_det`` can only be
        lowered below the file's.
        """
        from zoo.detection.prepare import prepared_batches, unpack_detections

        for key, value in settings.items():
            if key not in ("multi_label", "pre_nms_topk"):
                raise TypeError(f"unknown detect() settings: [{key!r}]")
            if value is not None and value != self.postprocess.get(key):
                raise ZooError(f"{key}={value} is fixed at export ({self.postprocess.get(key)})")
        conf = np.asarray(self.postprocess.get("conf", 0.25) if conf is None else conf, np.float32)
        iou = np.asarray(self.postprocess.get("iou", 0.45) if iou is None else iou, np.float32)
        keep = min(int(max_det or self.max_det), self.max_det)
        images = image_list(images)
        size, pad = self._chunking(len(images), batch_size)
        results: list[dict] = []
        for batch, transforms, n in prepared_batches(
            images, self.input_size, self.preprocessing, size, pad
        ):
            out = self.runner.run(images=batch, conf=conf, iou=iou)
            results += unpack_detections(out, n, keep, lambda i, b, ts=transforms: ts[i].invert(b))
        return results


class ExportedSegmenter(ExportedModel):
    """An exported segmentation model: ``segment`` as :meth:`zoo.segmentation.fcn.FCN.segment`."""

    task = "segmentation"

    def __init__(self, runner):
        super().__init__(runner)
        self.ignore_index = self.metadata.get("ignore_index")
        size = self.metadata.get("image_size")
        self.image_size = tuple(size) if size else None

    def segment(
        self, images: Sequence[np.ndarray] | np.ndarray, batch_size: int = 8
    ) -> list[np.ndarray]:
        """A uint8 class-index mask ``(H, W)`` for each RGB uint8 image (same-size batches)."""
        images = image_list(images)
        masks: list = [None] * len(images)
        by_size = indices_by_size(images)
        for (h, w), indices in by_size.items():
            if self.image_size and (h, w) != self.image_size:
                raise ZooError(
                    f"image {indices[0]}: this file was exported for {self.image_size[0]}x"
                    f"{self.image_size[1]} images, got {h}x{w}"
                )
        for indices in by_size.values():
            size, pad = self._chunking(len(indices), batch_size)
            chunks = [np.asarray(images[i], np.uint8) for i in indices]
            start = 0
            for batch, n in padded_chunks(chunks, size, pad):
                out = self.runner.run(images=batch)["mask"]
                for j in range(n):
                    masks[indices[start + j]] = out[j].astype(np.uint8)
                start += n
        return masks


MODEL_CLASSES = {"detection": ExportedDetector, "segmentation": ExportedSegmenter}
# translation: zoo.runtime.translator.ExportedTranslator (its own module, added by load_exported)
