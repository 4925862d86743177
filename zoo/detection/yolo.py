"""YOLOv3-lite: a YOLOv3-style detector on the LiteNet backbone, trained with ``model.fit``.

Raw 0..255 RGB at a fixed ``input_size`` goes through the model's own normalisation layer,
the backbone's P3/P4/P5 pyramid, a small top-down FPN neck and one YOLOv3 head per stride
(:mod:`zoo.detection.heads`). The outputs are the raw head tensors ``(N, H/s, W/s, A * (5 +
C))``, finest stride first. ``compute_loss`` is the YOLOv3 loss (:mod:`zoo.detection.loss`)
on targets built by the data loader; ``predict_step`` decodes and runs per-class NMS;
:meth:`detect` works on images of any size and returns boxes in their own pixels.

Example:
    >>> model = YOLODetector(num_classes=2, class_names=["raccoon", "kangaroo"],
    ...                      input_size=(320, 320), strides=(16, 32))
    >>> model.compile(optimizer="adam")
    >>> dets = model.detect([np.zeros((480, 640, 3), np.uint8)])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo.backbones import BACKBONE_PREPROCESSING, create_backbone
from zoo.blocks.preprocessing import ImageNormalization
from zoo.detection.heads import default_anchors, head_bias, yolo_neck_heads
from zoo.detection.loss import IGNORE_THRESH, detector_loss
from zoo.detection.predict import DEFAULT_POSTPROCESS, DetectorMixin, normalization_args


@keras.saving.register_keras_serializable(package="zoo")
class YOLODetector(DetectorMixin, keras.Model):
    """A YOLOv3-style multi-scale detector.

    Args:
        num_classes: number of object classes.
        class_names: their names (saved with the model).
        input_size: ``(height, width)`` of the network input, multiples of 32.
        strides: the head strides, a subset of ``(8, 16, 32)``.
        anchors: per stride (finest first), ``[[w, h], ...]`` in input pixels; default the
            COCO YOLOv3 (three strides) or YOLOv3-tiny (16/32) anchors scaled to the input.
        backbone, backbone_config: the feature extractor (``litenet``).
        neck_channels: neck widths at strides 8, 16, 32.
        activation: neck and head activation.
        preprocessing: ``ImageNormalization`` arguments plus ``resize`` (``"letterbox"`` or
            ``"stretch"``), ``pad_value`` and ``interpolation`` for the numpy side.
        postprocess: default ``conf``, ``iou``, ``max_det``, ``pre_nms_topk``, ``multi_label``.
        ignore_thresh: IoU above which a non-responsible prediction is not a negative.

    Example:
        >>> model = YOLODetector(num_classes=3, input_size=(256, 256))
        >>> [tuple(o.shape) for o in model.outputs]
        [(None, 32, 32, 24), (None, 16, 16, 24), (None, 8, 8, 24)]
    """

    def __init__(
        self,
        num_classes: int,
        class_names: Sequence[str] | None = None,
        input_size: Sequence[int] = (320, 320),
        strides: Sequence[int] = (8, 16, 32),
        anchors: Sequence | None = None,
        backbone: str = "litenet",
        backbone_config: dict | None = None,
        neck_channels: Sequence[int] = (64, 128, 256),
        activation: str = "leaky_relu",
        preprocessing: dict | None = None,
        postprocess: dict | None = None,
        ignore_thresh: float = IGNORE_THRESH,
        **kwargs,
    ):
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f"{len(class_names)} class names for {num_classes} classes")
        input_size = tuple(int(v) for v in input_size)
        if len(input_size) != 2 or any(v % 32 for v in input_size):
            raise ValueError(f"input_size {input_size}: (height, width), multiples of 32")
        strides = sorted(int(s) for s in strides)
        anchors = [
            [[float(w), float(h)] for w, h in scale]
            for scale in (anchors or default_anchors(strides, input_size))
        ]
        if len(anchors) != len(strides) or len({len(a) for a in anchors}) != 1:
            raise ValueError(f"anchors need one equal-length list per stride {strides}")
        backbone_config = dict(backbone_config or {})
        preprocessing = {
            **BACKBONE_PREPROCESSING[backbone],
            "resize": "letterbox",
            "pad_value": 114,
            "interpolation": "auto",
            **(preprocessing or {}),
        }
        neck_channels = [int(c) for c in neck_channels]

        image = keras.Input((*input_size, 3), name="image")
        x = ImageNormalization(**normalization_args(preprocessing), name="preprocess")(image)
        feats = create_backbone(backbone, **backbone_config)(x)
        raws = yolo_neck_heads(
            feats, strides, len(anchors[0]), num_classes, neck_channels, activation
        )
        super().__init__(inputs=image, outputs=raws, **kwargs)

        self.num_classes = int(num_classes)
        self.class_names = (
            list(class_names) if class_names else [str(i) for i in range(num_classes)]
        )
        self.input_size = input_size
        self.strides = strides
        self.anchors = anchors
        self.backbone_name = backbone
        self.backbone_config = backbone_config
        self.neck_channels = neck_channels
        self.activation = activation
        self.preprocessing = preprocessing
        self.postprocess = {**DEFAULT_POSTPROCESS, **(postprocess or {})}
        self.ignore_thresh = float(ignore_thresh)
        for s in strides:
            layer = self.get_layer(f"head_s{s}_pred")
            cells = (input_size[0] // s) * (input_size[1] // s)
            layer.bias.assign(head_bias(len(anchors[0]), num_classes, cells))

    def head_specs(self) -> list[dict]:
        """One ``yolo`` decoding spec per output (see :mod:`zoo.detection.decode`)."""
        return [{"type": "yolo", "anchors": a} for a in self.anchors]

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The YOLOv3 loss of raw outputs ``y_pred`` against the loader's targets ``y``."""
        return detector_loss(self, y, y_pred)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "class_names": self.class_names,
            "input_size": list(self.input_size),
            "strides": list(self.strides),
            "anchors": self.anchors,
            "backbone": self.backbone_name,
            "backbone_config": self.backbone_config,
            "neck_channels": self.neck_channels,
            "activation": self.activation,
            "preprocessing": self.preprocessing,
            "postprocess": self.postprocess,
            "ignore_thresh": self.ignore_thresh,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def architecture_name(self) -> str:
        """The registry name this model is rebuilt with."""
        return "yolov3-lite"
