"""Draw the documentation's pictures from real runs: ``python tools/make_figures.py``.

Writes small PNG files to ``docs/images/`` (resized, colour-quantised):

- ``detect_<photo>.png``: ``yolo-fastest-xl-coco`` detections on the sample photos
  (``samples/``), drawn by :func:`zoo.detection.draw.draw_detections`;
- ``segment_<photo>.png``: ``fcn8s-camvid`` masks over the sample photos, legend below
  (:func:`zoo.segmentation.overlay.overlay`);
- ``drive_<photo>.png``: ``drive-camvid-coco`` on a sample photo, one pass, drawn as
  ``zoo drive`` draws a frame (:func:`zoo.drive.scene.draw_frame`);
- ``attention_en_fr.png``: the attention of ``rnnsearch-multi30k-en-fr`` translating one
  sentence (:func:`zoo.translation.attention_plot.attention_image`);
- ``curves_<app>.png``: validation figures per epoch, from the per-epoch tables committed as
  ``apps/<app>/results/*_epochs.csv``;
- ``per_class_iou_<model>.png``: IoU per class of the models that record it in
  ``weights/manifest.json``, one chart per set of classes (named by its first model);
- ``speed_<app>_<record>.png``: the speed column of each benchmark record
  ``apps/<app>/results/*.json`` (the table its script printed).

``--only`` picks some of ``detect segment drive attention curves iou speed`` (all by default).

Example:
    $ python tools/make_figures.py --only curves speed
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
SAMPLES = ROOT / "samples"
DETECT_PHOTOS = ("dog", "horses", "person")
SEGMENT_PHOTOS = ("dog",)
DRIVE_PHOTOS = ("person",)
SENTENCE = "Two dogs are playing in the snow."
KINDS = ("detect", "segment", "drive", "attention", "curves", "iou", "speed")
WIDTH = 400
COLOURS = 64


def save_png(rgb: np.ndarray | Image.Image, path: Path, width: int = WIDTH) -> Path:
    """Write ``rgb`` to ``path`` at most ``width`` wide, quantised to a small palette."""
    image = rgb if isinstance(rgb, Image.Image) else Image.fromarray(np.asarray(rgb, np.uint8))
    image = image.convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image = image.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    print(f"make_figures: {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    return path


def save_figure(fig, path: Path) -> Path:
    """Render a matplotlib figure and write it with :func:`save_png` (at its own size)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    buffer.seek(0)
    return save_png(Image.open(buffer), path, width=10_000)


def photo(stem: str) -> np.ndarray:
    from zoo.data.images import read_image

    return read_image(SAMPLES / f"{stem}.jpg")


def detections() -> None:
    import zoo
    from zoo.detection.draw import draw_detections

    model = zoo.load("yolo-fastest-xl-coco")
    images = [photo(stem) for stem in DETECT_PHOTOS]
    for stem, image, det in zip(DETECT_PHOTOS, images, model.detect(images), strict=True):
        drawn = draw_detections(
            image, det["boxes"], det["scores"], det["labels"], model.class_names
        )
        save_png(drawn, OUT / f"detect_{stem}.png")


def segmentations() -> None:
    import zoo
    from zoo.segmentation.overlay import overlay

    model = zoo.load("fcn8s-camvid")
    images = [photo(stem) for stem in SEGMENT_PHOTOS]
    for stem, image, mask in zip(SEGMENT_PHOTOS, images, model.segment(images), strict=True):
        drawn = overlay(image, mask, model.class_names, alpha=0.5, legend="below")
        save_png(drawn, OUT / f"segment_{stem}.png")


def drive() -> None:
    import zoo
    from zoo.drive.scene import draw_frame

    model = zoo.load("drive-camvid-coco")
    images = [photo(stem) for stem in DRIVE_PHOTOS]
    for stem, image, result in zip(DRIVE_PHOTOS, images, model.perceive(images), strict=True):
        drawn = draw_frame(image, result, model.class_names, model.detection_classes)
        save_png(drawn, OUT / f"drive_{stem}.png")


def attention() -> None:
    import cv2

    import zoo
    from zoo.translation.attention_plot import attention_image

    model = zoo.load("rnnsearch-multi30k-en-fr")
    (alignment,) = model.alignments([SENTENCE], beam=5)
    print(f"make_figures: {SENTENCE!r} -> {alignment.translation!r}")
    bgr = attention_image(alignment.weights, alignment.source_pieces, alignment.target_pieces)
    save_png(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), OUT / "attention_en_fr.png")


def read_epochs(path: Path) -> dict[str, list[tuple[int, float]]]:
    """``{column: [(epoch, value), ...]}`` of a per-epoch CSV, blank cells left out."""
    columns: dict[str, list[tuple[int, float]]] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            for key, value in row.items():
                if key != "epoch" and value not in ("", None):
                    columns.setdefault(key, []).append((int(row["epoch"]), float(value)))
    return columns


def curves() -> None:
    import matplotlib.pyplot as plt

    for app_dir in sorted((ROOT / "apps").iterdir()):
        tables = sorted((app_dir / "results").glob("*_epochs.csv"))
        if not tables:
            continue
        metrics = sorted({key for path in tables for key in read_epochs(path)})
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
        for ax, metric in zip(axes[0], metrics, strict=True):
            for path in tables:
                points = read_epochs(path).get(metric)
                if points:
                    x, y = zip(*points, strict=True)
                    ax.plot(x, y, marker="o", markersize=3, label=path.stem.removesuffix("_epochs"))
            ax.set_xlabel("epoch")
            ax.set_title(metric.replace("_", " "), fontsize=10)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        source = f"apps/{app_dir.name}/results/*_epochs.csv"
        fig.suptitle(f"{app_dir.name}: validation per epoch ({source})", fontsize=9, y=1.03)
        save_figure(fig, OUT / f"curves_{app_dir.name}.png")


def per_class_iou() -> None:
    """One chart per set of classes: each model of the manifest that records per-class IoU."""
    import matplotlib.pyplot as plt

    records = json.loads((ROOT / "weights" / "manifest.json").read_text())["models"]
    groups: dict[tuple[str, ...], dict[str, dict]] = {}
    for name, record in records.items():
        per_class = (record.get("metrics") or {}).get("per_class_iou")
        if per_class:
            groups.setdefault(tuple(per_class), {})[name] = record
    for classes, models in groups.items():
        first = next(iter(models))
        fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(classes)), 3.4))
        width = 0.8 / len(models)
        for i, (name, record) in enumerate(models.items()):
            values = [record["metrics"]["per_class_iou"][c] for c in classes]
            miou = record["metrics"].get("miou", float(np.mean(values)))
            x = np.arange(len(classes)) + (i - (len(models) - 1) / 2) * width
            ax.bar(x, values, width, label=f"{name} (mIoU {miou:.3f})")
        ax.set_xticks(np.arange(len(classes)), classes, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(f"IoU on {models[first].get('eval_split', '?')}")
        ax.set_ylim(0, 1)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title("IoU per class (weights/manifest.json)", fontsize=9)
        save_figure(fig, OUT / f"per_class_iou_{first}.png")


def table_rows(table: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the first markdown table in ``table``."""
    lines = [line.strip() for line in table.splitlines() if line.strip().startswith("|")]
    cells = [[c.strip().strip("`") for c in line.strip("|").split("|")] for line in lines]
    return cells[0], [row for row in cells[2:] if len(row) == len(cells[0])]


def speed_bars(record: dict, title: str):
    """A bar chart of the first ``.../s`` column of a record's table, or ``None``."""
    import matplotlib.pyplot as plt

    header, rows = table_rows(record["table"])
    column = next((i for i, h in enumerate(header) if h.endswith("/s")), None)
    if column is None or not rows:
        return None
    labels, values = [], []
    for row in rows:
        try:
            values.append(float(row[column]))
        except ValueError:
            continue
        kept = [f"{h} {c}" if h == "batch" else c for h, c in zip(header, row, strict=True)]
        labels.append(", ".join(c for c in kept[:column] if c and not _is_number(c)))
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(values) + 1.0))
    ax.barh(range(len(values)), values, color="#3f7fbf")
    ax.set_yticks(range(len(values)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(header[column])
    ax.grid(axis="x", alpha=0.3)
    machine = record.get("machine") or {}
    cpu = f"{machine.get('cpu', '?')}, {machine.get('cpu_count', '?')} cores"
    ax.set_title(f"{title}: {cpu}, {str(record.get('date', ''))[:10]}", fontsize=8)
    return fig


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def speeds() -> None:
    for path in sorted(ROOT.glob("apps/*/results/*.json")):
        app = path.parent.parent.name
        fig = speed_bars(json.loads(path.read_text()), f"{app} {path.stem}")
        if fig is not None:
            save_figure(fig, OUT / f"speed_{app}_{path.stem}.png")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", choices=KINDS, default=list(KINDS))
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    steps = {
        "detect": detections,
        "segment": segmentations,
        "drive": drive,
        "attention": attention,
        "curves": curves,
        "iou": per_class_iou,
        "speed": speeds,
    }
    for kind in args.only:
        steps[kind]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
