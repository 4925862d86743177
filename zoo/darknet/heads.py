"""What a decoder needs to know about each ``[yolo]``/``[region]`` head of a darknet cfg.

:func:`heads` returns one dict per head, in cfg order (the order of the model's outputs):

- ``type``: ``"yolo"`` or ``"region"``.
- ``index``: the head's darknet layer number; ``name``: its model output name (``yolo_16``).
- ``output``: position of its tensor in the model's output list.
- ``input_height``, ``input_width``: network input size in pixels.
- ``grid``: ``(grid_h, grid_w)`` of the raw tensor; ``stride``: ``input_width // grid_w``.
- ``classes``: number of classes.
- ``num_anchors``: anchors per grid cell in this head (``len(mask)`` for yolo, ``num`` for
  region); ``num``: anchors listed in the cfg.
- ``anchors``: this head's anchors as ``[w, h]`` pairs, in ``mask`` order. yolo: in input
  pixels; region: in grid cells (``anchor_units`` says which: ``"pixels"`` or ``"grid"``).
- ``mask``: indices of this head's anchors in ``all_anchors`` (every cfg anchor pair).
- ``coords``: box values per anchor (4); ``attributes``: ``coords + 1 + classes``, the
  channels per anchor, laid out ``[x, y, w, h, objectness, class scores...]``, so the raw
  tensor reshapes to ``(N, grid_h, grid_w, num_anchors, attributes)``.
- ``scale_x_y`` (default 1), ``new_coords`` (0 or 1): yolo centre/size decoding variants.
- ``softmax`` (region: class scores are softmaxed, else logistic; yolo: False),
  ``background`` (region option, default 0).
- ``options``: every raw ``key: value`` string of the section (thresholds, ``nms_kind``...).

Darknet's decoding, for reference (cell ``(cx, cy)``, anchor ``(aw, ah)``, sigma = logistic):

- yolo, ``new_coords=0``: ``x = (cx + sigma(tx) * s - (s - 1) / 2) / grid_w`` with
  ``s = scale_x_y``, ``w = exp(tw) * aw / input_width``; objectness and classes ``sigma``.
- yolo, ``new_coords=1`` (the conv already applied logistic): ``x = (cx + tx * s - (s - 1) / 2)
  / grid_w``, ``w = 4 * tw**2 * aw / input_width``; objectness and classes used as they are.
- region: ``x = (cx + sigma(tx)) / grid_w``, ``w = exp(tw) * aw / grid_w``; objectness
  ``sigma(to)``; classes softmax when ``softmax`` else logistic; score = objectness * class.

Example:
    >>> h = heads("yolov3-tiny.cfg")  # doctest: +SKIP
    >>> h[0]["type"], h[0]["grid"], h[0]["anchors"]  # doctest: +SKIP
    ('yolo', (13, 13), [[81.0, 82.0], [135.0, 169.0], [344.0, 319.0]])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.darknet.cfg import DarknetCfg, parse_cfg
from zoo.darknet.plan import HEAD_KINDS, plan_layers


def heads(
    cfg: str | Path | DarknetCfg, input_size: tuple[int, int] | None = None
) -> list[dict[str, Any]]:
    """Metadata of every ``[yolo]``/``[region]`` head of ``cfg``, in model output order.

    Args:
        cfg: a cfg path or a parsed :class:`DarknetCfg`.
        input_size: ``(height, width)`` the model is built for; default the cfg's ``[net]``.

    Example:
        >>> [h["stride"] for h in heads("yolo-fastest-1.1.cfg")]  # doctest: +SKIP
        [32, 16]
    """
    parsed = cfg if isinstance(cfg, DarknetCfg) else parse_cfg(cfg)
    height, width = input_size or (parsed.height, parsed.width)
    result = []
    for plan in plan_layers(parsed, (height, width)):
        if plan.kind not in HEAD_KINDS:
            continue
        p = plan.params
        grid_h, grid_w, _ = plan.shape
        all_anchors = [[float(a), float(b)] for a, b in p["all_anchors"]]
        result.append(
            {
                "type": plan.kind,
                "index": plan.index,
                "name": f"{plan.kind}_{plan.index}",
                "output": len(result),
                "input_height": height,
                "input_width": width,
                "grid": (grid_h, grid_w),
                "stride": width // grid_w,
                "classes": p["classes"],
                "num": p["num"],
                "num_anchors": p["num_anchors"],
                "anchors": [all_anchors[m] for m in p["mask"]],
                "anchor_units": "pixels" if plan.kind == "yolo" else "grid",
                "all_anchors": all_anchors,
                "mask": list(p["mask"]),
                "coords": p["coords"],
                "attributes": p["coords"] + 1 + p["classes"],
                "scale_x_y": p["scale_x_y"],
                "new_coords": p["new_coords"],
                "softmax": p["softmax"],
                "background": p["background"],
                "options": dict(plan.section.options),
            }
        )
    return result
