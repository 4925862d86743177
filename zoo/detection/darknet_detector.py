"""A converted Darknet YOLO (``[yolo]`` or ``[region]`` heads) as a zoo detection model.

The model keeps its Darknet ``.cfg`` text in its config and rebuilds the network from it with
:func:`zoo.darknet.build`; the weights travel in the ``.keras`` file. Input is 0..255 RGB at
the cfg's size, brought there by a plain bilinear resize as Darknet and OpenCV DNN do
(``preprocessing["resize"] = "stretch"``), scaled to 0..1 inside the model. Decoding follows
each head's Darknet options (``scale_x_y``, ``new_coords``, region softmax); NMS and
``detect`` come from :class:`zoo.detection.predict.DetectorMixin`.

A different ``num_classes`` rewrites the cfg's ``classes=`` and the ``filters=`` of the
convolution feeding each head, so a converted model can be fine-tuned on new classes.

Example:
    >>> model = DarknetDetector(Path("yolo-fastest-1.1.cfg").read_text())  # doctest: +SKIP
    >>> model.detect([image], conf=0.25)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo.blocks.preprocessing import ImageNormalization
from zoo.darknet import build, heads, parse_cfg_text
from zoo.detection.heads import head_bias
from zoo.detection.loss import IGNORE_THRESH, detector_loss
from zoo.detection.predict import DEFAULT_POSTPROCESS, DetectorMixin, normalization_args
from zoo.errors import ZooError

DARKNET_PREPROCESSING = {
    "mean": [0.0, 0.0, 0.0],
    "std": [1.0, 1.0, 1.0],
    "scale": 1.0 / 255.0,
    "bgr": False,
    "resize": "stretch",
    "interpolation": "linear",
}
CFG_NAME = "darknet.cfg"
NETWORK_NAME = "darknet"  # the inner network's layer name (zoo.darknet.build names it by cfg)


def _sections(lines: list[str]) -> list[tuple[str, int]]:
    """``(type, line index)`` of every ``[section]`` header."""
    found = []
    for i, raw in enumerate(lines):
        line = raw.split("#")[0].split(";")[0].strip()
        if line.startswith("[") and line.endswith("]"):
            found.append((line[1:-1].strip().lower(), i))
    return found


def _set_option(lines: list[str], start: int, end: int, key: str, value: str) -> None:
    for i in range(start + 1, end):
        name = lines[i].split("=", 1)[0].strip().lower()
        if "=" in lines[i] and name == key:
            lines[i] = f"{key}={value}"
            return
    lines.insert(start + 1, f"{key}={value}")


def retarget_cfg_text(text: str, num_classes: int) -> str:
    """The cfg ``text`` with ``num_classes`` classes: head ``classes=`` and feeding ``filters=``.

    Example:
        >>> cfg = "[net]\\n[convolutional]\\nfilters=85\\n[yolo]\\nmask=0\\nanchors=9,9\\n"
        >>> cfg += "classes=80"
        >>> retarget_cfg_text(cfg, 2).split()
        ['[net]', '[convolutional]', 'filters=7', '[yolo]', 'mask=0', 'anchors=9,9', 'classes=2']
    """
    cfg = parse_cfg_text(text, CFG_NAME)
    head_meta = {h["index"]: h for h in heads(cfg)}
    lines = text.splitlines()
    for number, (kind, _) in reversed(list(enumerate(_sections(lines)))):
        layer = number - 1  # darknet numbers layers after [net]
        if kind not in ("yolo", "region") or layer not in head_meta:
            continue
        sections = _sections(lines)
        start = sections[number][1]
        end = sections[number + 1][1] if number + 1 < len(sections) else len(lines)
        _set_option(lines, start, end, "classes", str(num_classes))
        conv = number - 1
        if sections[conv][0] != "convolutional":
            raise ZooError(f"{CFG_NAME}: layer {layer} [{kind}] is not fed by a convolution")
        meta = head_meta[layer]
        filters = meta["num_anchors"] * (meta["coords"] + 1 + num_classes)
        _set_option(lines, sections[conv][1], start, "filters", str(filters))
    return "\n".join(lines) + "\n"


def _set_head_priors(network, meta: list[dict]) -> None:
    """Start each ``[yolo]`` head's convolution bias at a low objectness and class prior.

    A new head (fine-tuning on other classes) would otherwise begin at objectness 0.5 on
    every anchor: a loss in the hundreds whose gradients upset the pretrained layers. Loaded
    weights replace these values.
    """
    layers = {layer.name: layer for layer in network.layers}
    for m in meta:
        layer = layers.get(f"conv_{m['index'] - 1}")  # the convolution feeding the head
        if m["type"] != "yolo" or m["coords"] != 4 or getattr(layer, "bias", None) is None:
            continue
        cells = int(m["grid"][0]) * int(m["grid"][1])
        layer.bias.assign(head_bias(m["num_anchors"], m["classes"], cells))


@keras.saving.register_keras_serializable(package="zoo")
class DarknetDetector(DetectorMixin, keras.Model):
    """A Darknet YOLOv2/v3/v4-style detector rebuilt from its cfg text.

    Args:
        cfg_text: the Darknet ``.cfg`` file's text.
        class_names: class names (default ``"0"``, ``"1"``...).
        num_classes: a class count differing from the cfg's rewrites its heads.
        input_size: ``(height, width)``; default the cfg's ``[net]`` size.
        preprocessing: as :data:`DARKNET_PREPROCESSING` (plain bilinear resize, 1/255).
        postprocess: default ``conf``, ``iou``, ``max_det``, ``pre_nms_topk``, ``multi_label``.

    Example:
        >>> model = DarknetDetector(cfg_text, class_names=coco_names)  # doctest: +SKIP
    """

    def __init__(
        self,
        cfg_text: str,
        class_names: Sequence[str] | None = None,
        num_classes: int | None = None,
        input_size: Sequence[int] | None = None,
        preprocessing: dict | None = None,
        postprocess: dict | None = None,
        ignore_thresh: float = IGNORE_THRESH,
        **kwargs,
    ):
        cfg = parse_cfg_text(cfg_text, CFG_NAME)
        meta = heads(cfg)
        if not meta:
            raise ZooError(f"{CFG_NAME}: no [yolo] or [region] section; not a detector")
        if num_classes is not None and int(num_classes) != meta[0]["classes"]:
            cfg_text = retarget_cfg_text(cfg_text, int(num_classes))
            cfg = parse_cfg_text(cfg_text, CFG_NAME)
        input_size = tuple(int(v) for v in (input_size or (cfg.height, cfg.width)))
        meta = heads(cfg, input_size)
        n_classes = meta[0]["classes"]
        if class_names is not None and len(class_names) != n_classes:
            raise ZooError(f"{len(class_names)} class names for a {n_classes}-class model")
        preprocessing = {**DARKNET_PREPROCESSING, **(preprocessing or {})}

        network = build(cfg, None, input_size=input_size)
        _set_head_priors(network, meta)
        image = keras.Input((*input_size, 3), name="image")
        x = ImageNormalization(**normalization_args(preprocessing), name="preprocess")(image)
        outs = network(x)
        outs = outs if isinstance(outs, list | tuple) else [outs]
        raws = [
            keras.layers.Activation("linear", dtype="float32", name=f"raw_{m['name']}")(o)
            for o, m in zip(outs, meta, strict=True)
        ]
        super().__init__(inputs=image, outputs=raws, **kwargs)

        self.cfg_text = cfg_text
        self.num_classes = int(n_classes)
        self.class_names = list(class_names) if class_names else [str(i) for i in range(n_classes)]
        self.input_size = input_size
        self.preprocessing = preprocessing
        self.postprocess = {**DEFAULT_POSTPROCESS, **(postprocess or {})}
        self.ignore_thresh = float(ignore_thresh)
        self.heads_meta = meta
        self.strides = [int(m["stride"]) for m in meta]
        self.anchors = [s["anchors"] for s in self.head_specs()]

    def head_specs(self) -> list[dict]:
        """Decoding specs of the heads, anchors in input pixels."""
        specs = []
        for m in self.heads_meta:
            anchors = m["anchors"]
            if m["anchor_units"] == "grid":
                gh, gw = m["grid"]
                sx, sy = self.input_size[1] / gw, self.input_size[0] / gh
                anchors = [[w * sx, h * sy] for w, h in anchors]
            specs.append(
                {
                    "type": m["type"],
                    "anchors": [[float(w), float(h)] for w, h in anchors],
                    "scale_x_y": float(m["scale_x_y"]),
                    "new_coords": int(m["new_coords"]),
                    "softmax": bool(m["softmax"]),
                }
            )
        return specs

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The YOLOv3 loss (fine-tuning ``[yolo]`` models; ``[region]`` heads are not trained)."""
        if any(m["type"] != "yolo" or m["new_coords"] for m in self.heads_meta):
            raise ZooError("only [yolo] heads with new_coords=0 can be trained")
        return detector_loss(self, y, y_pred)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "cfg_text": self.cfg_text,
            "class_names": self.class_names,
            "num_classes": self.num_classes,
            "input_size": list(self.input_size),
            "preprocessing": self.preprocessing,
            "postprocess": self.postprocess,
            "ignore_thresh": self.ignore_thresh,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def architecture_name(self) -> str:
        """The registry name this model is rebuilt with."""
        return "darknet-yolo"
