"""FCN-32s/16s/8s (Long, Shelhamer & Darrell, 2015) for any input size.

The network pads its input to a multiple of 32, runs the backbone, scores each pyramid level
with a 1x1 convolution, fuses coarse scores upsampled 2x (learned, bilinear-initialised) with
the stride-16 (FCN-16s), stride-8 (FCN-8s) and, where the backbone has a ``P2``, stride-4
(FCN-4s, for thin structures such as poles) scores, upsamples to the input with a fixed
bilinear kernel and crops back to the input's height and width. Preprocessing (scaling, mean,
std, channel order) is a layer of the model, so it takes raw 0..255 RGB pixels.

Example:
    >>> model = FCN(num_classes=11, variant="fcn8s", backbone="litenet")
    >>> masks = model.segment([np.zeros((360, 480, 3), np.uint8)])  # list of (360, 480) uint8
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from zoo.backbones import BACKBONE_PREPROCESSING, create_backbone
from zoo.blocks.conv_bn_act import BN_EPSILON, BN_MOMENTUM, conv_bn_act
from zoo.blocks.preprocessing import (
    CropLike,
    ImageNormalization,
    PadToMultiple,
    ResizeBy,
    ResizeLike,
)
from zoo.blocks.upsample import BilinearUpsample

VARIANTS = {"fcn32s": 32, "fcn16s": 16, "fcn8s": 8, "fcn4s": 4, "fcn2s": 2}
FINE_LEVELS = {32: "P5", 16: "P4", 8: "P3", 4: "P2", 2: "P1"}
SKIPS = (("P4", "score_pool4"), ("P3", "score_pool3"), ("P2", "score_pool2"), ("P1", "score_pool1"))


def _refine(feature, logits, channels: int, num_classes: int, dilations=(1, 1)):
    """``logits`` plus a zero-initialised correction computed non-linearly from ``feature``
    and ``logits`` (same stride): training starts from the plain FCN's predictions. One
    depthwise-separable block per entry of ``dilations`` (its 3x3 dilation rate)."""
    x = keras.layers.Concatenate(name="refine_concat")([feature, logits])
    for i, rate in enumerate(dilations, start=1):
        x = keras.layers.DepthwiseConv2D(
            3, padding="same", dilation_rate=int(rate), use_bias=False, name=f"refine{i}_dw"
        )(x)
        x = keras.layers.BatchNormalization(
            momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"refine{i}_dw_bn"
        )(x)
        x = conv_bn_act(x, channels, 1, name=f"refine{i}_pw")
    delta = keras.layers.Conv2D(num_classes, 1, kernel_initializer="zeros", name="refine_score")(x)
    return keras.layers.Add(name="refine_add")([logits, delta])


def fcn_head(
    feats: dict,
    num_classes: int,
    stride: int = 8,
    dropout: float = 0.0,
    refine: int = 0,
    refine_dilations: Sequence[int] = (1, 1),
    fine_extra=None,
):
    """FCN class scores from a backbone's pyramid ``feats`` (``P5`` ... the level of
    ``stride``): 1x1 scores fused coarse to fine, the optional refinement at the finest
    level, then a fixed bilinear upsampling by ``stride`` (crop to the input after it).
    ``fine_extra`` (a tensor at that finest stride) joins the level's features in the
    refinement. Layer names are those of :class:`FCN`, so weights transfer by name.

    Example:
        >>> logits = fcn_head(backbone(x), 11, stride=4, refine=64)  # doctest: +SKIP
    """

    def score(feature, name, zero_init):
        if dropout:
            feature = keras.layers.Dropout(dropout, name=f"{name}_dropout")(feature)
        return keras.layers.Conv2D(
            num_classes,
            1,
            kernel_initializer="zeros" if zero_init else "glorot_uniform",
            name=name,
        )(feature)

    logits = score(feats["P5"], "score_fr", zero_init=False)
    level_stride = 32
    for level, name in SKIPS:
        if level_stride == stride:
            break
        up = BilinearUpsample(2, name=f"upscore{level_stride // 2}_2x")(logits)
        logits = keras.layers.Add(name=f"fuse_{name}")([up, score(feats[level], name, True)])
        level_stride //= 2
    if refine:
        feature = feats[FINE_LEVELS[level_stride]]
        if fine_extra is not None:
            feature = keras.layers.Concatenate(name="refine_features")([feature, fine_extra])
        logits = _refine(feature, logits, int(refine), num_classes, refine_dilations)
    final = BilinearUpsample(level_stride, trainable=False, name=f"upscore{level_stride}x")
    return final(logits)


@keras.saving.register_keras_serializable(package="zoo")
class FCN(keras.Model):
    """A fully convolutional network for semantic segmentation.

    Args:
        num_classes: number of output classes (void is not a class).
        variant: ``"fcn32s"``, ``"fcn16s"``, ``"fcn8s"``, ``"fcn4s"`` (needs a backbone
            with a stride-4 ``P2`` output, such as ``darknet`` with a ``P2`` tap) or
            ``"fcn2s"`` (also a stride-2 ``P1``).
        backbone: ``"litenet"`` (CPU default) or ``"vgg16"`` (the paper's).
        backbone_config: keyword arguments of the backbone builder.
        class_names: names of the classes, saved with the model.
        ignore_index: the void label value in masks (excluded from loss and metrics).
        preprocessing: ``ImageNormalization`` arguments; defaults to the backbone's.
        dropout: dropout before the class scoring layers.
        refine: channels of a small non-linear refinement at the finest fused stride (two
            depthwise-separable conv-BN-ReLU over that level's features and the fused scores,
            then a zero-initialised 1x1 score added to them); 0 (the paper's FCN) leaves it
            out. The linear 1x1 skips cannot overrule coarse scores where a thin object
            (a pole before a building) differs from its surroundings only in fine features.
        refine_dilations: the 3x3 dilation rate of each refinement block (one block each);
            rates such as (1, 3, 9) let the head see a pole's whole height at stride 4.
        input_scale: the network runs on the image resized by this factor (bilinear) and its
            scores are resized back to the image; above 1 it keeps objects a few pixels wide
            (poles) visible through the backbone's downsampling, at ``input_scale**2`` the
            cost. 1 (the paper's FCN) leaves both resizes out.

    Call it on (N, H, W, 3) float RGB in 0..255 to get (N, H, W, num_classes) logits.
    """

    def __init__(
        self,
        num_classes: int,
        variant: str = "fcn8s",
        backbone: str = "litenet",
        backbone_config: dict | None = None,
        class_names: Sequence[str] | None = None,
        ignore_index: int | None = None,
        preprocessing: dict | None = None,
        dropout: float = 0.0,
        refine: int = 0,
        input_scale: float = 1.0,
        refine_dilations: Sequence[int] = (1, 1),
        **kwargs,
    ):
        if variant not in VARIANTS:
            raise ValueError(f"unknown FCN variant {variant!r}; choose one of {sorted(VARIANTS)}")
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f"{len(class_names)} class names for {num_classes} classes")
        backbone_config = dict(backbone_config or {})
        preprocessing = dict(preprocessing or BACKBONE_PREPROCESSING[backbone])

        image = keras.Input((None, None, 3), name="image")
        x = ImageNormalization(**preprocessing, name="preprocess")(image)
        scaled = ResizeBy(input_scale, name="input_scale")(x) if input_scale != 1 else x
        x = PadToMultiple(32, name="pad")(scaled)
        feats = create_backbone(backbone, **backbone_config)(x)
        finest = FINE_LEVELS[VARIANTS[variant]]
        if finest not in feats:
            raise ValueError(
                f"{variant} needs a stride-{VARIANTS[variant]} {finest!r} output; "
                f"backbone {backbone!r} has none"
            )

        logits = fcn_head(feats, num_classes, VARIANTS[variant], dropout, refine, refine_dilations)
        logits = CropLike(name="crop")(logits, scaled)
        if input_scale != 1:
            logits = ResizeLike(name="output_scale")(logits, image)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
        super().__init__(inputs=image, outputs=logits, **kwargs)

        self.num_classes = int(num_classes)
        self.variant = variant
        self.backbone_name = backbone
        self.backbone_config = backbone_config
        self.class_names = (
            list(class_names) if class_names else [str(i) for i in range(num_classes)]
        )
        self.ignore_index = ignore_index
        self.preprocessing = preprocessing
        self.dropout = float(dropout)
        self.refine = int(refine)
        self.input_scale = float(input_scale)
        self.refine_dilations = [int(r) for r in refine_dilations]

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "variant": self.variant,
            "backbone": self.backbone_name,
            "backbone_config": self.backbone_config,
            "class_names": self.class_names,
            "ignore_index": self.ignore_index,
            "preprocessing": self.preprocessing,
            "dropout": self.dropout,
            "refine": self.refine,
            "input_scale": self.input_scale,
            "refine_dilations": self.refine_dilations,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def architecture_name(self) -> str:
        """The registry name this model is rebuilt with (its variant)."""
        return self.variant

    task = "segmentation"

    def segment(
        self, images: Sequence[np.ndarray] | np.ndarray, batch_size: int = 8, tta: bool = False
    ) -> list[np.ndarray]:
        """Return a uint8 class-index mask (H, W) for each RGB uint8 image, any size.

        Images of the same size run in batches of ``batch_size``; each mask has exactly the
        height and width of its image. ``tta=True`` averages class probabilities over scales
        0.75/1/1.25 and their mirrors (:mod:`zoo.segmentation.tta`, six passes).
        """
        from zoo.data.chunks import image_list, indices_by_size

        images = image_list(images)
        masks: list[np.ndarray | None] = [None] * len(images)
        for indices in indices_by_size(images).values():
            for start in range(0, len(indices), batch_size):
                chunk = indices[start : start + batch_size]
                if tta:
                    from zoo.segmentation.tta import segment_with_tta

                    tta_masks = segment_with_tta(self, [images[i] for i in chunk])
                    for i, pred in zip(chunk, tta_masks, strict=True):
                        masks[i] = pred
                    continue
                batch = np.stack([images[i] for i in chunk]).astype("float32")
                logits = keras.ops.convert_to_numpy(self.predict_on_batch(batch))
                for i, pred in zip(chunk, logits.argmax(-1).astype(np.uint8), strict=True):
                    masks[i] = pred
        return masks  # type: ignore[return-value]
