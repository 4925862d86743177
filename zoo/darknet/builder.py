"""Build a Keras model from a Darknet cfg and (optionally) load its ``.weights``.

The model takes float32 RGB images in ``[0, 1]``, NHWC, at the cfg's ``[net]`` size, and
returns a list with one tensor per ``[yolo]``/``[region]`` section, in cfg order: the output
of the layer feeding that head (after that layer's own activation, usually linear; no yolo or
region decoding), NHWC, named ``yolo_<i>`` or
``region_<i>`` after the head's darknet layer number. See :func:`zoo.darknet.heads` for the
metadata a decoder needs.

Layers are named after darknet layer numbers (``conv_0``, ``bn_0``, ``leaky_0``,
``maxpool_3``...), so ``model.get_layer("conv_12")`` is darknet layer 12. Batch norm stays a
``BatchNormalization`` layer (epsilon 1e-6, as OpenCV's darknet importer), so the model can be
fine-tuned.

Example:
    >>> model = build("yolo-fastest-1.1.cfg", "yolo-fastest-1.1.weights")  # doctest: +SKIP
    >>> [tuple(o.shape) for o in model.outputs]  # doctest: +SKIP
    [(None, 10, 10, 255), (None, 20, 20, 255)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

from zoo.darknet.cfg import DarknetCfg, parse_cfg
from zoo.darknet.layers import ChannelGroup, DarknetMaxPool, NearestUpsample, Reorg
from zoo.darknet.plan import HEAD_KINDS, NETWORK_INPUT, LayerPlan, plan_layers
from zoo.darknet.weights_file import ConvWeights, read_weights, split_conv_weights
from zoo.errors import ZooError

# Batch norm as OpenCV's darknet importer: (x - mean) / sqrt(var + 1e-6). Darknet itself uses
# (x - mean) / (sqrt(var) + 1e-6) (pjreddie) or / sqrt(var + 1e-5) (AlexeyAB); they differ only
# for variances near zero.
BN_EPSILON = 1e-6
LEAKY_SLOPE = 0.1


def _activation(name: str, index: int) -> keras.layers.Layer | None:
    layer_name = f"{name}_{index}"
    if name == "linear":
        return None
    if name == "leaky":
        return keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=layer_name)
    if name == "relu":
        return keras.layers.ReLU(name=layer_name)
    keras_name = {"mish": "mish", "logistic": "sigmoid", "swish": "silu"}[name]
    return keras.layers.Activation(keras_name, name=layer_name)


def _apply_activation(x, name: str, index: int):
    layer = _activation(name, index)
    return x if layer is None else layer(x)


def _is_depthwise(p: dict) -> bool:
    return p["groups"] > 1 and p["groups"] == p["in_channels"]


def _conv(x, plan: LayerPlan, zero_init: bool):
    p, i = plan.params, plan.index
    size, stride, pad = p["size"], p["stride"], p["padding"]
    padding = "valid"
    if pad and stride == 1 and 2 * pad == size - 1:
        padding = "same"
    elif pad:
        x = keras.layers.ZeroPadding2D(pad, name=f"pad_{i}")(x)
    use_bias = not p["batch_normalize"]
    if _is_depthwise(p):
        conv = keras.layers.DepthwiseConv2D(
            size,
            stride,
            padding=padding,
            depth_multiplier=p["filters"] // p["in_channels"],
            use_bias=use_bias,
            depthwise_initializer="zeros" if zero_init else "glorot_uniform",
            name=f"conv_{i}",
        )
    else:
        conv = keras.layers.Conv2D(
            p["filters"],
            size,
            stride,
            padding=padding,
            groups=p["groups"],
            use_bias=use_bias,
            kernel_initializer="zeros" if zero_init else "glorot_uniform",
            name=f"conv_{i}",
        )
    x = conv(x)
    if p["batch_normalize"]:
        x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"bn_{i}")(x)
    return _apply_activation(x, p["activation"], i)


def _route(tensors: list, plan: LayerPlan):
    p, i = plan.params, plan.index
    if p["groups"] > 1:
        tensors = [
            ChannelGroup(p["groups"], p["group_id"], name=f"group_{i}_{k}")(t)
            for k, t in enumerate(tensors)
        ]
    if len(tensors) == 1:
        return keras.layers.Identity(name=f"route_{i}")(tensors[0])
    return keras.layers.Concatenate(axis=-1, name=f"route_{i}")(tensors)


def _layer(plan: LayerPlan, inputs: list, zero_init: bool):
    kind, p, i = plan.kind, plan.params, plan.index
    x = inputs[0]
    if kind == "convolutional":
        return _conv(x, plan, zero_init)
    if kind == "maxpool":
        return DarknetMaxPool(p["size"], p["stride"], p["padding"], name=f"maxpool_{i}")(x)
    if kind == "route":
        return _route(inputs, plan)
    if kind == "shortcut":
        x = keras.layers.Add(name=f"shortcut_{i}")(inputs)
        return _apply_activation(x, p["activation"], i)
    if kind == "upsample":
        return NearestUpsample(p["stride"], name=f"upsample_{i}")(x)
    if kind == "reorg":
        return Reorg(p["stride"], name=f"reorg_{i}")(x)
    if kind == "dropout":
        return x
    raise plan.section.error(f"unsupported section [{kind}]")  # plan_layers rejects these first


def _model_name(cfg: DarknetCfg) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", Path(cfg.path).stem) or "darknet"


def _load(model: keras.Model, plans: list[LayerPlan], convs: dict[int, ConvWeights]) -> None:
    present = {layer.name for layer in model.layers}
    for plan in plans:
        if plan.kind != "convolutional" or f"conv_{plan.index}" not in present:
            continue  # a layer past the taps of a truncated model
        w, p, i = convs[plan.index], plan.params, plan.index
        if _is_depthwise(p):
            mult = p["filters"] // p["in_channels"]
            kernel = w.kernel.reshape(p["in_channels"], mult, p["size"], p["size"])
            kernel = kernel.transpose(2, 3, 0, 1)
        else:
            kernel = w.kernel.transpose(2, 3, 1, 0)
        conv_arrays = [kernel] if p["batch_normalize"] else [kernel, w.bias]
        model.get_layer(f"conv_{i}").set_weights([np.ascontiguousarray(a) for a in conv_arrays])
        if p["batch_normalize"]:
            model.get_layer(f"bn_{i}").set_weights([w.gamma, w.bias, w.mean, w.variance])


def build(
    cfg_path: str | Path | DarknetCfg,
    weights_path: str | Path | None = None,
    *,
    input_size: tuple[int, int] | None = None,
    taps: Sequence[int] | None = None,
    any_size: bool = False,
    keep_heads: bool = False,
) -> keras.Model:
    """Build the Keras model of a darknet cfg, with the weights file's values if given.

    Args:
        cfg_path: the ``.cfg`` file (or an already parsed :class:`DarknetCfg`).
        weights_path: the matching ``.weights`` file; ``None`` keeps Keras' initial values.
        input_size: ``(height, width)`` to build for instead of the cfg's ``[net]`` size.
        taps: darknet layer numbers whose outputs the model returns instead of the heads'
            inputs (a truncated network, e.g. a backbone's pyramid); later layers are left out.
        any_size: accept any input height and width (``(None, None)``); ``input_size`` then
            only serves to check the cfg.
        keep_heads: with ``taps``, the whole network: the heads' tensors, then the taps'
            (one network feeding a detector's heads and other tasks' heads).

    Returns:
        A ``keras.Model`` from ``(N, H, W, C)`` float32 RGB in ``[0, 1]`` to a list of raw
        head tensors, one per ``[yolo]``/``[region]`` in cfg order.

    Raises:
        ZooError: unreadable or unsupported cfg, or weights that do not fit it.

    Example:
        >>> model = build("yolov3-tiny.cfg", input_size=(320, 320))  # doctest: +SKIP
        >>> outs = model(np.zeros((1, 320, 320, 3), "float32"))  # doctest: +SKIP
        >>> [tuple(o.shape) for o in outs]  # doctest: +SKIP
        [(1, 10, 10, 255), (1, 20, 20, 255)]
    """
    cfg = cfg_path if isinstance(cfg_path, DarknetCfg) else parse_cfg(cfg_path)
    plans = plan_layers(cfg, input_size)
    convs = None
    if weights_path is not None:
        convs = split_conv_weights(plans, read_weights(weights_path))
    height, width = (None, None) if any_size else input_size or (cfg.height, cfg.width)
    image = keras.Input((height, width, cfg.channels), name="image", dtype="float32")
    tensors: dict[int, object] = {NETWORK_INPUT: image}
    outputs = []
    for plan in plans:
        inputs = [tensors[i] for i in plan.inputs]
        if plan.kind in HEAD_KINDS:
            tensors[plan.index] = inputs[0]
            outputs.append(keras.layers.Identity(name=f"{plan.kind}_{plan.index}")(inputs[0]))
            continue
        # Loaded weights replace the initial values: skip random init (slow on JAX).
        tensors[plan.index] = _layer(plan, inputs, zero_init=convs is not None)
        if taps is not None and not keep_heads and all(t in tensors for t in taps):
            break
    if taps is not None:
        missing = [t for t in taps if t not in tensors or t == NETWORK_INPUT]
        if missing:
            raise ZooError(f"{cfg.path}: no darknet layer numbered {missing[0]} to tap")
        tapped = [tensors[t] for t in taps]
        outputs = [*outputs, *tapped] if keep_heads else tapped
    model = keras.Model(image, outputs, name=_model_name(cfg))
    if convs is not None:
        _load(model, plans, convs)
    return model
