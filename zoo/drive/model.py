"""The driving model: a Darknet detector's network computed once, its heads and an FCN head.

One ``yolo-fastest-1.1-xl`` network (the COCO detector, cfg text in the config) runs per
frame; its two ``[yolo]`` heads give COCO detections exactly as the converted detector's, and
an FCN-4s head (:func:`zoo.segmentation.fcn.fcn_head`: 1x1 scores on darknet layers
119/128/58/22, fused coarse to fine, a stride-4 refinement, bilinear upsampling) gives the
segmentation on the same features. A small trainable *detail* path (two strided
depthwise-separable convolutions on the image, stride 4) joins the refinement, so that thin
objects (poles) are seen at full resolution while the shared network stays frozen.
With ``seg_trunk`` (a darknet layer number), the segmentation gets its own trainable copy of
the layers past that one up to its deep taps, so that the scene's semantics are learnt there
while the detector's layers, shared up to ``seg_trunk``, stay as they are.

The graph takes ``(N, H, W, 3)`` RGB 0..255 of any size (padded to a multiple of 32 inside,
logits cropped back), so it trains on crops; ``perceive``/``detect``/``segment`` bring each
image to ``input_size`` (a plain bilinear resize, as the detector) and map boxes and masks
back. Outputs: the raw heads, then the logits ``(N, H, W, num_classes)``.

Example:
    >>> model = DriveModel(cfg_text, num_classes=11, input_size=(352, 480))  # doctest: +SKIP
    >>> out = model.perceive([frame])[0]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo.blocks.conv_bn_act import BN_EPSILON, BN_MOMENTUM, conv_bn_act
from zoo.blocks.preprocessing import CropLike, ImageNormalization, PadToMultiple
from zoo.darknet import build, heads, parse_cfg_text
from zoo.detection.darknet_detector import CFG_NAME, DARKNET_PREPROCESSING, DarknetDetector
from zoo.detection.predict import DEFAULT_POSTPROCESS, normalization_args
from zoo.drive.perceive import DriveMixin
from zoo.errors import ZooError
from zoo.segmentation.fcn import VARIANTS, fcn_head

DEFAULT_TAPS = {"P2": 22, "P3": 58, "P4": 128, "P5": 119}
DEFAULT_INPUT_SIZE = (352, 480)
LEVELS = ("P2", "P3", "P4", "P5")


def _detail_path(x, channels: int):
    """Stride-4 features of the image: 3x3 stride-2 conv-BN-ReLU to ``channels``, then a
    depthwise 3x3 stride 2 and a 1x1 to ``2 * channels`` (trainable, a few MFLOPs)."""
    x = conv_bn_act(x, channels, 3, strides=2, name="detail1")
    x = keras.layers.DepthwiseConv2D(3, 2, padding="same", use_bias=False, name="detail2_dw")(x)
    x = keras.layers.BatchNormalization(
        momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name="detail2_dw_bn"
    )(x)
    return conv_bn_act(x, 2 * channels, 1, name="detail2_pw")


BRANCH_PREFIX = "seg_"


def _renamed(layer: keras.layers.Layer) -> keras.layers.Layer:
    """A new layer like ``layer`` named ``seg_<name>``: weight paths stay unique in the model."""
    return layer.__class__.from_config({**layer.get_config(), "name": BRANCH_PREFIX + layer.name})


def _branch(outputs: dict, levels: list[str], taps: dict, seg_trunk: int) -> keras.Model:
    """A fresh copy (``seg_trunk``: the segmentation's own trainable layers) of the network
    between darknet layer ``seg_trunk`` and the taps past it, as a model from that layer's
    output to those taps (``{"P4": ..., "P5": ...}``)."""
    deep = [v for v in levels if int(taps[v]) > seg_trunk]
    if not deep:
        raise ZooError(f"seg_trunk {seg_trunk}: no tap past that layer to copy the layers to")
    try:
        shared = keras.Model(outputs["split"], [outputs[v] for v in deep])
    except ValueError as exc:
        raise ZooError(f"seg_trunk {seg_trunk}: the layers after it need others too") from exc
    entry = keras.Input(outputs["split"].shape[1:], name=f"{BRANCH_PREFIX}input")
    copy = keras.models.clone_model(shared, input_tensors=entry, clone_function=_renamed)
    return keras.Model(copy.inputs, dict(zip(deep, copy.outputs, strict=True)), name="seg_trunk")


@keras.saving.register_keras_serializable(package="zoo")
class DriveModel(DriveMixin, keras.Model):
    """A multi-task driving model (module docstring).

    Args:
        num_classes: segmentation classes (void is not one).
        class_names: segmentation class names.
        ignore_index: the void label value of the segmentation masks.
        backbone: ``"darknet"`` (the only one: the detector's network).
        backbone_config: ``cfg`` (the detector's Darknet cfg text, heads included) and
            ``taps`` (darknet layers feeding the FCN head, ``P2`` ... ``P5``).
        detection_classes: the detector's class names (80 COCO names).
        input_size: ``(height, width)`` the frames are resized to, multiples of 32.
        variant: ``"fcn4s"`` or ``"fcn8s"`` (the finest skip).
        dropout, refine, refine_dilations: as :class:`zoo.segmentation.fcn.FCN`.
        detail: channels of the detail path's first convolution (0 leaves it out).
        seg_trunk: a darknet layer number after which the segmentation head gets its own
            trainable copy of the layers up to its deep taps (``P4``/``P5``), so that they
            learn the scene while the detector's stay frozen; 0 shares the whole network.
        preprocessing: as :data:`DARKNET_PREPROCESSING`.
        postprocess: detection defaults (``conf``, ``iou``, ``max_det`` ...).
    """

    def __init__(
        self,
        num_classes: int = 11,
        class_names: Sequence[str] | None = None,
        ignore_index: int | None = None,
        backbone: str = "darknet",
        backbone_config: dict | None = None,
        detection_classes: Sequence[str] | None = None,
        input_size: Sequence[int] = DEFAULT_INPUT_SIZE,
        variant: str = "fcn4s",
        dropout: float = 0.1,
        refine: int = 64,
        refine_dilations: Sequence[int] = (1, 1),
        detail: int = 16,
        seg_trunk: int = 0,
        preprocessing: dict | None = None,
        postprocess: dict | None = None,
        **kwargs,
    ):
        backbone_config = dict(backbone_config or {})
        if backbone != "darknet" or "cfg" not in backbone_config:
            raise ZooError("a driving model needs backbone='darknet' with backbone_config.cfg")
        if variant not in ("fcn4s", "fcn8s"):
            raise ZooError(f"variant {variant!r}: choose fcn4s or fcn8s")
        if class_names is not None and len(class_names) != num_classes:
            raise ZooError(f"{len(class_names)} class names for {num_classes} classes")
        input_size = tuple(int(v) for v in input_size)
        if any(v % 32 for v in input_size):
            raise ZooError(f"input_size {input_size}: height and width must be multiples of 32")
        taps = {**DEFAULT_TAPS, **backbone_config.get("taps", {})}
        backbone_config["taps"] = taps
        cfg = parse_cfg_text(backbone_config["cfg"], CFG_NAME)
        meta = heads(cfg, input_size)
        n_det = meta[0]["classes"]
        if detection_classes is not None and len(detection_classes) != n_det:
            raise ZooError(f"{len(detection_classes)} detection class names for {n_det} classes")
        preprocessing = {**DARKNET_PREPROCESSING, **(preprocessing or {})}
        levels = [level for level in LEVELS if level in taps]

        seg_trunk = int(seg_trunk)
        split = [seg_trunk] if seg_trunk else []
        network = build(
            cfg,
            None,
            taps=[int(taps[v]) for v in levels] + split,
            keep_heads=True,
            any_size=True,
        )
        names = [m["name"] for m in meta] + levels + ["split"] * bool(split)
        outputs = dict(zip(names, network.outputs, strict=True))
        branch = _branch(outputs, levels, taps, seg_trunk) if split else None
        darknet = keras.Model(network.input, outputs, name="darknet")
        image = keras.Input((None, None, 3), name="image")
        x = ImageNormalization(**normalization_args(preprocessing), name="preprocess")(image)
        padded = PadToMultiple(32, name="pad")(x)
        feats = dict(darknet(padded))
        if branch is not None:
            feats.update(branch(feats.pop("split")))
        extra = _detail_path(padded, int(detail)) if detail and refine else None
        logits = fcn_head(
            feats, num_classes, VARIANTS[variant], dropout, refine, refine_dilations, extra
        )
        logits = CropLike(name="crop")(logits, x)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
        raws = [
            keras.layers.Activation("linear", dtype="float32", name=f"raw_{m['name']}")(
                feats[m["name"]]
            )
            for m in meta
        ]
        super().__init__(inputs=image, outputs=[*raws, logits], **kwargs)

        self.num_classes = int(num_classes)
        self.class_names = (
            list(class_names) if class_names else [str(i) for i in range(num_classes)]
        )
        self.ignore_index = ignore_index
        self.backbone_config = backbone_config
        self.detection_classes = (
            list(detection_classes) if detection_classes else [str(i) for i in range(n_det)]
        )
        self.input_size = input_size
        self.variant = variant
        self.dropout = float(dropout)
        self.refine = int(refine)
        self.refine_dilations = [int(r) for r in refine_dilations]
        self.detail = int(detail)
        self.seg_trunk = seg_trunk
        self.preprocessing = preprocessing
        self.postprocess = {**DEFAULT_POSTPROCESS, **(postprocess or {})}
        self.heads_meta = meta
        self.strides = [int(m["stride"]) for m in meta]

    def init_seg_trunk(self) -> int:
        """Set the segmentation's own layers (``seg_trunk``) to the shared network's values,
        the detector's features as the starting point; returns how many layers were set."""
        if not self.seg_trunk:
            return 0
        darknet, count = self.get_layer("darknet"), 0
        for layer in self.get_layer("seg_trunk").layers:
            if layer.weights:
                source = darknet.get_layer(layer.name.removeprefix(BRANCH_PREFIX))
                layer.set_weights(source.get_weights())
                count += 1
        return count

    # decoding specs of the heads (anchors in input pixels), as the converted detector's
    head_specs = DarknetDetector.head_specs

    def _logits(self, y_pred):
        return y_pred[-1] if isinstance(y_pred, list | tuple) else y_pred

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled (segmentation) loss on the logits; the detection heads are not trained."""
        return super().compute_loss(x, y, self._logits(y_pred), sample_weight, training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(x, y, self._logits(y_pred), sample_weight)

    def for_inference(self):
        """A faster copy, batch norm folded (:mod:`zoo.drive.inference`)."""
        from zoo.drive.inference import inference_copy

        return inference_copy(self)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "class_names": self.class_names,
            "ignore_index": self.ignore_index,
            "backbone": "darknet",
            "backbone_config": self.backbone_config,
            "detection_classes": self.detection_classes,
            "input_size": list(self.input_size),
            "variant": self.variant,
            "dropout": self.dropout,
            "refine": self.refine,
            "refine_dilations": self.refine_dilations,
            "detail": self.detail,
            "seg_trunk": self.seg_trunk,
            "preprocessing": self.preprocessing,
            "postprocess": self.postprocess,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def architecture_name(self) -> str:
        """The registry name this model is rebuilt with."""
        return "drive"
