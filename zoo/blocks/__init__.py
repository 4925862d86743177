"""Shared building blocks: conv-BN-activation, bilinear upsampling, attention, preprocessing.

Example:
    >>> from zoo.blocks import AdditiveAttention, BilinearUpsample, conv_bn_act
"""

from zoo.blocks.attention import AdditiveAttention
from zoo.blocks.conv_bn_act import conv_bn_act, residual_block
from zoo.blocks.preprocessing import CropLike, ImageNormalization, PadToMultiple
from zoo.blocks.upsample import BilinearInitializer, BilinearUpsample, bilinear_kernel

__all__ = [
    "AdditiveAttention",
    "BilinearInitializer",
    "BilinearUpsample",
    "CropLike",
    "ImageNormalization",
    "PadToMultiple",
    "bilinear_kernel",
    "conv_bn_act",
    "residual_block",
]
