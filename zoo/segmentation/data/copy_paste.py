"""Copy-paste augmentation for rare, thin classes (Ghiasi et al., "Simple Copy-Paste is a
Strong Data Augmentation Method", CVPR 2021), for semantic masks.

The pixels of chosen classes (e.g. CamVid's poles) are cut from another training image, with
their labels, and pasted onto this one, shifted sideways and sometimes mirrored, so that a
pole appears in front of trees, shop fronts and sky it never stood in front of. The vertical
position is kept: a street camera sees objects standing on the same horizon. On CamVid it did
not raise val pole IoU (``apps/segmentation/README.md``); it stays a recipe option.

Example:
    >>> paste = CopyPaste(classes=(3,), prob=1.0)
    >>> rng = np.random.default_rng(0)
    >>> image, mask = np.zeros((4, 6, 3), np.uint8), np.zeros((4, 6), np.int32)
    >>> pole_column = np.where(np.arange(6) == 2, 3, 0)[None].repeat(4, 0)
    >>> donor = (np.full((4, 6, 3), 9, np.uint8), pole_column)
    >>> out_image, out_mask = paste(image, mask, [donor], rng)
    >>> int((out_mask == 3).sum()), int(out_image[out_mask == 3].min())
    (4, 9)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class CopyPaste:
    """Paste the ``classes`` pixels of a donor pair onto an ``(image, mask)`` pair.

    Args:
        classes: class indices whose pixels are copied.
        prob: chance that an image receives a paste.
        max_shift: largest sideways shift, as a fraction of the width.
        flip_prob: chance that the donor is mirrored first.
        tries: donors drawn until one holds any of ``classes`` (none found: no paste).

    Example:
        >>> CopyPaste(classes=(2,), prob=0.5)  # doctest: +ELLIPSIS
        CopyPaste(classes=(2,), prob=0.5, ...)
    """

    classes: tuple[int, ...]
    prob: float = 0.5
    max_shift: float = 0.25
    flip_prob: float = 0.5
    tries: int = 4

    def __call__(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        donors: Sequence[tuple[np.ndarray, np.ndarray]] | Callable[[np.random.Generator], tuple],
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``image`` and ``mask`` with one donor's ``classes`` pixels pasted on (new arrays).

        ``donors`` is a list of pairs, or a function of ``rng`` returning a random pair.
        """
        if not self.classes or rng.random() >= self.prob:
            return image, mask
        for _ in range(self.tries):
            if callable(donors):
                donor_image, donor_mask = donors(rng)
            else:
                donor_image, donor_mask = donors[int(rng.integers(len(donors)))]
            keep = np.isin(donor_mask, self.classes)
            if keep.any():
                break
        else:
            return image, mask
        h, w = mask.shape[:2]
        if donor_mask.shape[:2] != (h, w):
            donor_image = cv2.resize(donor_image, (w, h), interpolation=cv2.INTER_LINEAR)
            donor_mask = cv2.resize(
                donor_mask.astype(np.int32), (w, h), interpolation=cv2.INTER_NEAREST
            )
            keep = np.isin(donor_mask, self.classes)
        if rng.random() < self.flip_prob:
            donor_image, donor_mask, keep = donor_image[:, ::-1], donor_mask[:, ::-1], keep[:, ::-1]
        shift = round(rng.uniform(-self.max_shift, self.max_shift) * w)
        keep = shifted(keep, shift, False)
        image, mask = image.copy(), mask.copy()
        image[keep] = shifted(donor_image, shift, 0)[keep]
        mask[keep] = shifted(donor_mask, shift, 0)[keep].astype(mask.dtype)
        return image, mask


def shifted(array: np.ndarray, dx: int, fill) -> np.ndarray:
    """``array`` moved ``dx`` columns right (left when negative), the uncovered columns ``fill``.

    Example:
        >>> shifted(np.array([[1, 2, 3]]), 1, 0)
        array([[0, 1, 2]])
    """
    out = np.full_like(array, fill)
    w = array.shape[1]
    dx = max(-w, min(w, dx))
    if dx >= 0:
        out[:, dx:] = array[:, : w - dx]
    else:
        out[:, :dx] = array[:, -dx:]
    return out
