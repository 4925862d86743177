"""Render the README's sample road scene (a drawing made by this script, not a photograph).

The project ships no dataset images, so the quick-start command runs on this 480x360 picture:
sky, buildings, a road with lane markings, pavement, trees, poles and two cars.

Run: python apps/segmentation/samples/render_street.py  (rewrites street.jpg next to it)
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def render(height: int = 360, width: int = 480, seed: int = 7) -> np.ndarray:
    """Return the scene as an RGB uint8 array of shape (height, width, 3)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * 0.45)
    for y in range(horizon):  # sky gradient
        t = y / horizon
        img[y] = (int(120 + 80 * t), int(170 + 50 * t), int(230 + 15 * t))
    x = 0
    while x < width:  # buildings
        w = int(rng.integers(50, 110))
        top = int(rng.integers(40, horizon - 30))
        colour = tuple(int(c) for c in rng.integers(90, 170, 3))
        cv2.rectangle(img, (x, top), (x + w, horizon + 20), colour, -1)
        for wy in range(top + 10, horizon, 22):  # windows
            for wx in range(x + 8, x + w - 12, 18):
                cv2.rectangle(img, (wx, wy), (wx + 9, wy + 12), (60, 70, 90), -1)
        x += w + int(rng.integers(0, 8))
    road = np.array([[0, height], [width, height], [width, horizon + 20], [0, horizon + 20]])
    cv2.fillPoly(img, [road], (110, 110, 115))
    cv2.fillPoly(
        img,
        [np.array([[0, horizon + 20], [140, horizon + 20], [0, horizon + 70]])],
        (175, 160, 140),
    )  # pavement
    cv2.fillPoly(
        img,
        [np.array([[width, horizon + 20], [width - 140, horizon + 20], [width, horizon + 70]])],
        (175, 160, 140),
    )
    for i in range(6):  # lane markings
        y0 = horizon + 30 + i * 30
        cv2.line(img, (width // 2, y0), (width // 2, y0 + 14), (235, 235, 235), 2 + i)
    for tx in (30, 420):  # trees and poles
        cv2.rectangle(img, (tx + 18, horizon - 10), (tx + 26, horizon + 40), (90, 60, 40), -1)
        cv2.circle(img, (tx + 22, horizon - 35), 38, (60, 120, 50), -1)
        cv2.line(img, (tx + 60, horizon - 90), (tx + 60, horizon + 45), (70, 70, 70), 4)
    for cx, cy, s, colour in (
        (150, horizon + 75, 1.0, (170, 30, 30)),
        (330, horizon + 55, 0.7, (30, 60, 160)),
    ):  # cars
        w, h = int(120 * s), int(45 * s)
        cv2.rectangle(img, (cx, cy), (cx + w, cy + h), colour, -1)
        cv2.rectangle(img, (cx + w // 5, cy - h // 2), (cx + 4 * w // 5, cy), colour, -1)
        cv2.rectangle(
            img, (cx + w // 4, cy - h // 2 + 4), (cx + 3 * w // 4, cy - 2), (40, 50, 60), -1
        )
        for wx in (cx + w // 5, cx + 4 * w // 5):
            cv2.circle(img, (wx, cy + h), int(12 * s), (20, 20, 20), -1)
    noise = rng.normal(0, 4, img.shape)
    return np.clip(cv2.GaussianBlur(img, (3, 3), 0) + noise, 0, 255).astype(np.uint8)


if __name__ == "__main__":
    out = Path(__file__).with_name("street.jpg")
    cv2.imwrite(str(out), cv2.cvtColor(render(), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    print(f"wrote {out}")
