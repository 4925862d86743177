"""Convert a Darknet ``.cfg`` + ``.weights`` + class names file into a zoo detector ``.keras``.

Example:
    >>> convert_darknet("yolo-fastest-1.1.cfg", "yolo-fastest-1.1.weights", "coco.names",
    ...                 "yolo-fastest-1.1-coco.keras")  # doctest: +SKIP
    >>> model = zoo.load("yolo-fastest-1.1-coco.keras")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from zoo.errors import ZooError


def read_names(path: str | os.PathLike) -> list[str]:
    """Class names, one a line (blank lines skipped), as Darknet's ``.names`` files.

    Example:
        >>> read_names("coco.names")[:2]  # doctest: +SKIP
        ['person', 'bicycle']
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ZooError(f"{path}: cannot read the class names file ({exc})") from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise ZooError(f"{path}: no class names in this file")
    return names


def darknet_detector(
    cfg: str | os.PathLike,
    weights: str | os.PathLike | None,
    class_names: Sequence[str] | None = None,
    input_size: Sequence[int] | None = None,
    **config,
):
    """A :class:`DarknetDetector` of ``cfg`` carrying ``weights``' values (``None``: random).

    Example:
        >>> model = darknet_detector("yolov3-tiny.cfg", None, input_size=(320, 320))
        ... # doctest: +SKIP
    """
    from zoo import darknet
    from zoo.detection.darknet_detector import NETWORK_NAME, DarknetDetector

    cfg = Path(cfg)
    try:
        text = cfg.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ZooError(f"{cfg}: cannot read darknet cfg ({exc.strerror or exc})") from None
    meta = darknet.heads(cfg)
    if not meta:
        raise ZooError(f"{cfg}: no [yolo] or [region] section; not a detector")
    if class_names is not None and len(class_names) != meta[0]["classes"]:
        raise ZooError(
            f"{cfg}: the cfg has {meta[0]['classes']} classes but {len(class_names)} names "
            "were given; use the .names file the model was trained with"
        )
    model = DarknetDetector(text, class_names=class_names, input_size=input_size, **config)
    if weights is not None:
        size = tuple(model.input_size)
        loaded = darknet.build(cfg, weights, input_size=size)
        model.get_layer(NETWORK_NAME).set_weights(loaded.get_weights())
    return model


def convert_darknet(
    cfg: str | os.PathLike,
    weights: str | os.PathLike,
    names_file: str | os.PathLike,
    out_path: str | os.PathLike,
    input_size: Sequence[int] | None = None,
):
    """Write a full detector ``.keras`` (network, decoding, NMS, class names); returns it.

    The file is written atomically and loads with ``zoo.load(out_path)``.
    """
    from zoo.progress import Progress
    from zoo.training.checkpoint import save_model_atomic

    out_path = Path(out_path)
    if out_path.suffix != ".keras":
        raise ZooError(f"{out_path}: the output file must end in .keras")
    with Progress(total=3, desc=f"convert {Path(cfg).name}", unit="step") as bar:
        names = read_names(names_file)
        bar.update(1)
        model = darknet_detector(cfg, weights, names, input_size)
        bar.update(1)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        save_model_atomic(model, out_path)
        bar.update(1)
    return model
