"""Turn cfg sections into checked layer plans: typed options, inputs and output shapes.

Planning needs no Keras: it applies darknet's defaults, resolves ``[route]``/``[shortcut]``
indices, infers every layer's ``(height, width, channels)`` and rejects what the builder cannot
do, each time with a one-line :class:`~zoo.errors.ZooError` naming the cfg file and line.

Example:
    >>> from zoo.darknet.cfg import parse_cfg
    >>> plans = plan_layers(parse_cfg("yolov3-tiny.cfg"))  # doctest: +SKIP
    >>> plans[0].kind, plans[0].shape  # doctest: +SKIP
    ('convolutional', (416, 416, 16))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zoo.darknet.cfg import DarknetCfg, Section

ACTIVATIONS = ("linear", "leaky", "relu", "mish", "logistic", "swish")
HEAD_KINDS = ("yolo", "region")
SECTIONS = ("convolutional", "maxpool", "route", "shortcut", "upsample", "reorg", "dropout")
SECTIONS += HEAD_KINDS
NETWORK_INPUT = -1

# Options whose non-default values change the maths in ways this reader does not implement.
_UNSUPPORTED = {
    "convolutional": {
        "dilation": "1",
        "flipped": "0",
        "binary": "0",
        "xnor": "0",
        "antialiasing": "0",
        "deform": "0",
        "share_index": None,
    },
    "maxpool": {"maxpool_depth": "0", "antialiasing": "0"},
    "shortcut": {"weights_type": "none"},
    "reorg": {"reverse": "0", "flatten": "0", "extra": "0"},
    "region": {"tree": None, "map": None},
}


@dataclass
class LayerPlan:
    """One darknet layer ready to build.

    Attributes:
        index: darknet layer number (0-based, ``[net]`` excluded).
        kind: section type, e.g. ``"convolutional"``.
        section: the cfg section it came from.
        inputs: indices of the layers it reads (``-1`` is the network input).
        shape: output ``(height, width, channels)``; for ``[yolo]``/``[region]`` the shape of
            the raw tensor they read.
        params: typed options with darknet defaults applied (per kind, see :func:`plan_layers`).
    """

    index: int
    kind: str
    section: Section
    inputs: list[int]
    shape: tuple[int, int, int]
    params: dict[str, Any] = field(default_factory=dict)

    def weight_count(self) -> int:
        """Number of float32 values this layer reads from a ``.weights`` file."""
        if self.kind != "convolutional":
            return 0
        p = self.params
        per_filter = 4 if p["batch_normalize"] else 1
        kernel = p["filters"] * (p["in_channels"] // p["groups"]) * p["size"] * p["size"]
        return per_filter * p["filters"] + kernel


def _check_unsupported(section: Section) -> None:
    for key, default in _UNSUPPORTED.get(section.type, {}).items():
        if section.has(key) and (default is None or section.get_str(key) != default):
            raise section.error(f"option '{key}={section.get_str(key)}' is not supported")


def _activation(section: Section, default: str) -> str:
    name = section.get_str("activation", default).lower()
    if name not in ACTIVATIONS:
        raise section.error(f"activation '{name}' is not supported (use one of {ACTIVATIONS})")
    return name


def _resolve(section: Section, ref: int) -> int:
    """Darknet layer reference: negative is relative to this layer, else absolute."""
    index = section.index + ref if ref < 0 else ref
    if not 0 <= index < section.index:
        raise section.error(f"layer reference {ref} points to layer {index}, not an earlier one")
    return index


def _positive(section: Section, **values: int) -> None:
    for key, value in values.items():
        if value < 1:
            raise section.error(f"option '{key}' must be >= 1, got {value}")


def _conv(section: Section, shape: tuple[int, int, int]) -> tuple[tuple[int, int, int], dict]:
    h, w, c = shape
    size = section.get_int("size", 1)
    stride = section.get_int("stride", 1)
    filters = section.get_int("filters", 1)
    groups = section.get_int("groups", 1)
    _positive(section, size=size, stride=stride, filters=filters, groups=groups)
    for axis in ("stride_x", "stride_y"):
        if section.has(axis) and section.get_int(axis) != stride:
            raise section.error(f"option '{axis}' different from 'stride' is not supported")
    padding = section.get_int("padding", 0)
    if section.get_int("pad", 0):
        padding = size // 2
    if c % groups or filters % groups:
        raise section.error(f"groups={groups} must divide input channels {c} and filters {filters}")
    out_h = (h + 2 * padding - size) // stride + 1
    out_w = (w + 2 * padding - size) // stride + 1
    if out_h < 1 or out_w < 1:
        raise section.error(f"a {size}x{size} kernel does not fit the {h}x{w} input")
    params = {
        "filters": filters,
        "size": size,
        "stride": stride,
        "padding": padding,
        "groups": groups,
        "batch_normalize": bool(section.get_int("batch_normalize", 0)),
        "activation": _activation(section, "logistic"),
        "in_channels": c,
    }
    return (out_h, out_w, filters), params


def _maxpool(section: Section, shape: tuple[int, int, int]) -> tuple[tuple[int, int, int], dict]:
    h, w, c = shape
    stride = section.get_int("stride", 1)
    size = section.get_int("size", stride)
    _positive(section, size=size, stride=stride)
    for axis in ("stride_x", "stride_y"):
        if section.has(axis) and section.get_int(axis) != stride:
            raise section.error(f"option '{axis}' different from 'stride' is not supported")
    padding = section.get_int("padding", size - 1)
    out_h = (h + padding - size) // stride + 1
    out_w = (w + padding - size) // stride + 1
    if out_h < 1 or out_w < 1 or padding < 0:
        raise section.error(f"a {size}x{size} pool with padding {padding} does not fit {h}x{w}")
    return (out_h, out_w, c), {"size": size, "stride": stride, "padding": padding}


def _head(section: Section, shape: tuple[int, int, int]) -> dict:
    classes = section.get_int("classes", 20)
    num = section.get_int("num", 1)
    anchors = section.get_floats("anchors", [])
    if len(anchors) != 2 * num:
        raise section.error(f"num={num} needs {2 * num} anchor values, got {len(anchors)}")
    pairs = [(anchors[2 * i], anchors[2 * i + 1]) for i in range(num)]
    if section.type == "yolo":
        mask = section.get_ints("mask", list(range(num)))
        if any(not 0 <= m < num for m in mask):
            raise section.error(f"mask {mask} refers to anchors outside 0..{num - 1}")
        coords, per_cell = 4, len(mask)
    else:
        mask = list(range(num))
        coords, per_cell = section.get_int("coords", 4), num
    expected = per_cell * (coords + 1 + classes)
    if shape[2] != expected:
        raise section.error(
            f"its input has {shape[2]} channels but {per_cell} anchors x "
            f"({coords} coords + 1 + {classes} classes) = {expected}"
        )
    return {
        "classes": classes,
        "num": num,
        "all_anchors": pairs,
        "mask": mask,
        "coords": coords,
        "num_anchors": per_cell,
        "scale_x_y": section.get_float("scale_x_y", 1.0),
        "new_coords": section.get_int("new_coords", 0),
        "softmax": bool(section.get_int("softmax", 0)) if section.type == "region" else False,
        "background": section.get_int("background", 0),
    }


def plan_layers(cfg: DarknetCfg, input_size: tuple[int, int] | None = None) -> list[LayerPlan]:
    """Plan every layer of ``cfg`` for an input of ``input_size=(height, width)``.

    ``input_size`` defaults to the cfg's ``[net]`` height and width.

    Example:
        >>> plans = plan_layers(parse_cfg("yolov3-tiny.cfg"), (320, 320))  # doctest: +SKIP
    """
    height, width = input_size or (cfg.height, cfg.width)
    if height < 1 or width < 1 or cfg.channels < 1:
        raise cfg.net.error(f"input size {height}x{width}x{cfg.channels} is not positive")
    plans: list[LayerPlan] = []
    prev_shape = (height, width, cfg.channels)
    heads: set[int] = set()

    def shape_of(i: int) -> tuple[int, int, int]:
        return prev_shape if i == NETWORK_INPUT else plans[i].shape

    def refuse_head(section: Section, i: int) -> None:
        if i in heads:
            raise section.error(f"reading the output of [{plans[i].kind}] layer {i} is unsupported")

    for section in cfg.layers:
        _check_unsupported(section)
        prev = section.index - 1 if section.index > 0 else NETWORK_INPUT
        if section.type not in (*HEAD_KINDS, "route"):
            refuse_head(section, prev)
        inputs, params = [prev], {}
        kind = section.type
        if kind == "convolutional":
            shape, params = _conv(section, shape_of(prev))
        elif kind == "maxpool":
            shape, params = _maxpool(section, shape_of(prev))
        elif kind == "route":
            refs = section.get_ints("layers")
            if not refs:
                raise section.error("option 'layers' is empty")
            inputs = [_resolve(section, r) for r in refs]
            for i in inputs:
                refuse_head(section, i)
            groups, group_id = section.get_int("groups", 1), section.get_int("group_id", 0)
            if groups < 1 or not 0 <= group_id < groups:
                raise section.error(f"groups={groups}, group_id={group_id} is not a valid split")
            shapes = [shape_of(i) for i in inputs]
            if len({s[:2] for s in shapes}) > 1:
                raise section.error(f"layers {inputs} have different sizes {shapes}")
            if any(s[2] % groups for s in shapes):
                raise section.error(f"groups={groups} does not divide channels of {shapes}")
            shape = (*shapes[0][:2], sum(s[2] // groups for s in shapes))
            params = {"layers": inputs, "groups": groups, "group_id": group_id}
        elif kind == "shortcut":
            refs = section.get_ints("from")
            if len(refs) != 1:
                raise section.error("[shortcut] needs exactly one 'from' layer")
            src = _resolve(section, refs[0])
            refuse_head(section, src)
            if shape_of(src) != shape_of(prev):
                raise section.error(
                    f"adds layer {src} {shape_of(src)} to layer {prev} {shape_of(prev)}; "
                    "only equal shapes are supported"
                )
            inputs, shape = [prev, src], shape_of(prev)
            params = {"activation": _activation(section, "linear")}
        elif kind == "upsample":
            stride = section.get_int("stride", 2)
            _positive(section, stride=stride)
            if section.get_float("scale", 1.0) != 1.0:
                raise section.error("option 'scale' other than 1 is not supported")
            h, w, c = shape_of(prev)
            shape, params = (h * stride, w * stride, c), {"stride": stride}
        elif kind == "reorg":
            stride = section.get_int("stride", 1)
            _positive(section, stride=stride)
            h, w, c = shape_of(prev)
            if h % stride or w % stride:
                raise section.error(f"stride {stride} does not divide the {h}x{w} input")
            if c % (stride * stride):
                raise section.error(f"{c} input channels are not a multiple of stride^2")
            shape, params = (h // stride, w // stride, c * stride * stride), {"stride": stride}
        elif kind == "dropout":
            shape = shape_of(prev)
        elif kind in HEAD_KINDS:
            shape = shape_of(prev)
            params = _head(section, shape)
            heads.add(section.index)
        else:
            raise section.error(f"unsupported section [{kind}]; supported: {', '.join(SECTIONS)}")
        plans.append(LayerPlan(section.index, kind, section, inputs, shape, params))
    if not heads:
        raise cfg.net.error("the cfg has no [yolo] or [region] section, so no model outputs")
    return plans
