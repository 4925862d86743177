"""A Darknet network cut at three layers as a pyramid backbone (``P3``, ``P4``, ``P5``).

The cfg text is part of the backbone's config, so a saved model rebuilds it without the
``.cfg`` file; pretrained values come from a ``.weights`` file once, at training start, with
:func:`load_darknet_weights`, and then travel in the ``.keras`` file. Input is RGB in 0..1 of
any size divisible by the network's stride (the FCN pads to 32).

Example:
    >>> cfg = Path("yolo-fastest-1.1-xl.cfg").read_text()  # doctest: +SKIP
    >>> backbone = darknet(cfg, taps={"P3": 58, "P4": 128, "P5": 119})  # doctest: +SKIP
    >>> load_darknet_weights(backbone, cfg, "yolo-fastest-1.1-xl.weights")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import keras

from zoo.darknet import build, parse_cfg_text
from zoo.errors import ZooError

LEVELS = ("P3", "P4", "P5")
OPTIONAL_LEVELS = ("P1", "P2")  # strides 2 and 4, for FCN-2s and FCN-4s


def _levels(taps: dict) -> list[str]:
    if not set(LEVELS) <= set(taps) <= {*LEVELS, *OPTIONAL_LEVELS}:
        raise ZooError(
            f"darknet backbone taps must name {', '.join(LEVELS)} (and optionally P1, P2); "
            f"got {sorted(taps)}"
        )
    return [level for level in (*OPTIONAL_LEVELS, *LEVELS) if level in taps]


def darknet(cfg: str, taps: dict, name: str = "darknet") -> keras.Model:
    """Build the layers of Darknet ``cfg`` text up to ``taps`` ``{"P3": n, "P4": n, "P5": n}``.

    ``taps`` are darknet layer numbers (0 is the first layer after ``[net]``) whose outputs
    have strides 8, 16 and 32 (and 2, 4 for optional ``P1``, ``P2``). Returns a functional
    model with outputs ``{"P3", "P4", "P5"}`` (and ``"P1"``, ``"P2"``).
    """
    levels = _levels(taps)
    layers = [int(taps[level]) for level in levels]
    network = build(parse_cfg_text(cfg, "backbone.cfg"), taps=layers, any_size=True)
    return keras.Model(network.input, dict(zip(levels, network.outputs, strict=True)), name=name)


def load_darknet_weights(backbone: keras.Model, cfg: str, weights_path: str | Path) -> int:
    """Copy the values of a Darknet ``.weights`` file into ``backbone``; returns layers set.

    Every convolution and batch norm of the backbone must be in the file (matched by darknet
    layer number, so the cfg must be the one the weights were trained with).
    """
    source = build(parse_cfg_text(cfg, "backbone.cfg"), weights_path)
    by_name = {layer.name: layer for layer in source.layers}
    count = 0
    for layer in backbone.layers:
        if not layer.weights:
            continue
        if layer.name not in by_name:
            raise ZooError(f"{weights_path}: no values for backbone layer {layer.name}")
        layer.set_weights(by_name[layer.name].get_weights())
        count += 1
    return count
