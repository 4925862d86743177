"""Read and write Darknet ``.weights`` files.

Layout: an int32 header ``major, minor, revision``, then ``seen`` (images trained on) as uint64
when ``major * 10 + minor >= 2``, else as int32; then float32 values, per convolutional layer in
cfg order: biases (the batch-norm beta when ``batch_normalize=1``), then with batch norm its
gamma, running mean and running variance, then the kernel in darknet order
``(filters, in_channels / groups, size, size)``. All little-endian.

Example:
    >>> from zoo.darknet.cfg import parse_cfg
    >>> from zoo.darknet.plan import plan_layers
    >>> plans = plan_layers(parse_cfg("yolo-fastest-1.1.cfg"))  # doctest: +SKIP
    >>> weights = read_weights("yolo-fastest-1.1.weights")  # doctest: +SKIP
    >>> convs = split_conv_weights(plans, weights)  # doctest: +SKIP
    >>> convs[0].kernel.shape  # doctest: +SKIP
    (8, 3, 3, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.darknet.plan import LayerPlan
from zoo.errors import ZooError


@dataclass
class DarknetWeights:
    """A ``.weights`` file: its header and every float32 after it."""

    path: str
    major: int
    minor: int
    revision: int
    seen: int
    values: np.ndarray


@dataclass
class ConvWeights:
    """The arrays of one convolutional layer, in darknet's layouts.

    ``kernel`` is ``(filters, in_channels / groups, size, size)``; ``bias`` is the conv bias,
    or the batch-norm beta when ``gamma``/``mean``/``variance`` are present.
    """

    bias: np.ndarray
    kernel: np.ndarray
    gamma: np.ndarray | None = None
    mean: np.ndarray | None = None
    variance: np.ndarray | None = None


def _header_size(major: int, minor: int) -> int:
    return 20 if major * 10 + minor >= 2 else 16


def read_weights(path: str | Path) -> DarknetWeights:
    """Read the header and float32 values of the darknet weights file at ``path``.

    Example:
        >>> w = read_weights("yolo-fastest-1.1.weights")  # doctest: +SKIP
        >>> (w.major, w.minor), w.values.size  # doctest: +SKIP
        ((0, 2), 345887)
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ZooError(f"{path}: cannot read darknet weights ({err.strerror or err})") from None
    if len(data) < 12:
        raise ZooError(f"{path}: {len(data)} bytes is too short for a darknet weights header")
    major, minor, revision = (int(v) for v in np.frombuffer(data[:12], dtype="<i4"))
    if major > 1000 or minor > 1000:
        raise ZooError(f"{path}: transposed weights (version {major}.{minor}) are not supported")
    start = _header_size(major, minor)
    if len(data) < start:
        raise ZooError(f"{path}: {len(data)} bytes is too short for a v{major}.{minor} header")
    seen_dtype = "<u8" if start == 20 else "<i4"
    seen = int(np.frombuffer(data[12:start], dtype=seen_dtype)[0])
    body = len(data) - start
    if body % 4:
        raise ZooError(f"{path}: {body} bytes after the header is not a whole number of float32")
    values = np.frombuffer(data[start:], dtype="<f4").astype(np.float32)
    return DarknetWeights(str(path), major, minor, revision, seen, values)


def split_conv_weights(
    plans: Sequence[LayerPlan], weights: DarknetWeights
) -> dict[int, ConvWeights]:
    """Cut ``weights.values`` into per-layer arrays for the convolutional layers of ``plans``.

    Returns ``{layer index: ConvWeights}``. Too few or leftover values raise a ZooError with
    both counts, since either means the weights do not belong to this cfg.
    """
    needed = sum(plan.weight_count() for plan in plans)
    have = weights.values.size
    if have != needed:
        what = "too few" if have < needed else "leftover"
        raise ZooError(
            f"{weights.path}: {what} values: the file holds {have} float32 after its header "
            f"but the cfg's convolutional layers need {needed}; weights and cfg do not match"
        )
    out: dict[int, ConvWeights] = {}
    offset = 0

    def take(count: int) -> np.ndarray:
        nonlocal offset
        chunk = weights.values[offset : offset + count]
        offset += count
        return chunk

    for plan in plans:
        if plan.kind != "convolutional":
            continue
        p = plan.params
        filters = p["filters"]
        bias = take(filters)
        gamma = mean = variance = None
        if p["batch_normalize"]:
            gamma, mean, variance = take(filters), take(filters), take(filters)
        shape = (filters, p["in_channels"] // p["groups"], p["size"], p["size"])
        kernel = take(int(np.prod(shape))).reshape(shape)
        out[plan.index] = ConvWeights(bias, kernel, gamma, mean, variance)
    return out


def write_weights(
    path: str | Path,
    convs: Sequence[ConvWeights],
    *,
    version: tuple[int, int, int] = (0, 2, 0),
    seen: int = 0,
) -> None:
    """Write ``convs`` (in cfg order) as a darknet weights file with header ``version``.

    Example:
        >>> write_weights("tiny.weights", [ConvWeights(b, k)], version=(0, 1, 0))  # doctest: +SKIP
    """
    major, minor, revision = version
    parts = [np.asarray([major, minor, revision], dtype="<i4").tobytes()]
    seen_dtype = "<u8" if _header_size(major, minor) == 20 else "<i4"
    parts.append(np.asarray([seen], dtype=seen_dtype).tobytes())
    for conv in convs:
        arrays = [conv.bias]
        if conv.gamma is not None:
            arrays += [conv.gamma, conv.mean, conv.variance]
        arrays.append(conv.kernel)
        parts.extend(np.asarray(a, dtype="<f4").ravel().tobytes() for a in arrays)
    Path(path).write_bytes(b"".join(parts))
