"""int8 LiteRT against float LiteRT: the metric each keeps and the speed each gives.

Each model is exported whole to LiteRT twice (``zoo export --format litert``, and with
``--int8`` calibrated on real images it is not scored on), scored on its real validation data
through ``zoo.load(...)``, and timed end to end at batch 1 on ``--images`` images of that
data (``--repeats`` timed passes after one untimed; median). Prints a markdown table naming
the CPU; ``--json`` also writes the numbers.

- ``yolo-wildlife``: AP50 on its raccoon + kangaroo val split (44 images); calibrated on
  64 images of the train split.
- ``yolo-fastest-xl-coco``: AP50 on coco128; calibrated on the same wildlife train images
  (none of coco128).
- ``fcn8s-camvid``: mIoU on CamVid val (101 images); calibrated on 64 CamVid train images.

Example:
    $ python apps/deploy/int8_benchmark.py --json apps/deploy/results/int8.json --folder runs/int8
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from zoo.benchmarking import machine, provenance, report, time_calls

MODELS = ("yolo-wildlife", "yolo-fastest-xl-coco", "fcn8s-camvid")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--images", type=int, default=16, help="images per timed pass")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="keep the exported files here and reuse those already there [default: temporary]",
    )
    return p.parse_args(argv)


def wildlife_split(root: Path):
    from zoo.detection.data import read_detection_dataset, split_dataset

    data = read_detection_dataset([root / "raccoon", root / "kangaroo"])
    return split_dataset(data, 0.15, 0)  # as weights/manifest.json's eval_command


def task_data(name: str, root: Path):
    """``(score(model) -> (metric name, value), calibration image paths, timing paths)``."""
    from zoo.detection.evaluate import evaluate_detection
    from zoo.segmentation.evaluate import evaluate_segmentation

    train, val = wildlife_split(root)
    wildlife_train = [s.image_path for s in train.samples]
    if name == "fcn8s-camvid":
        return (
            lambda m: ("mIoU", evaluate_segmentation(m, root / "camvid", "val")["miou"]),
            sorted((root / "camvid" / "train").glob("*.jpg")),
            sorted((root / "camvid" / "val").glob("*.jpg")),
        )
    if name == "yolo-wildlife":
        return (
            lambda m: ("AP50", evaluate_detection(m, val)["ap50"]),
            wildlife_train,
            [s.image_path for s in val.samples],
        )
    return (
        lambda m: ("AP50", evaluate_detection(m, root / "coco128")["ap50"]),
        wildlife_train,
        sorted((root / "coco128" / "images").rglob("*.jpg")),
    )


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"{m['cpu']}, {m['cpu_count']} cores; 1-min load {m['load_avg_1m']:.1f}; "
        f"ai-edge-litert {m.get('ai_edge_litert')}; batch 1, {results['images']} images a "
        f"pass, median of {results['repeats']}.",
        "",
        "| model | metric | float LiteRT | int8 LiteRT | drop | float images/s | "
        "int8 images/s | int8 speed-up |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results["rows"]:
        f, q = r["float"], r["int8"]
        lines.append(
            f"| {r['model']} | {r['metric']} | {f['score']:.4f} | {q['score']:.4f} | "
            f"{f['score'] - q['score']:.4f} | {f['images_per_s']:.1f} | "
            f"{q['images_per_s']:.1f} | {q['images_per_s'] / f['images_per_s']:.2f} |"
        )
    return "\n".join(lines)


def measure(path: Path, score, images) -> dict:
    import zoo

    model = zoo.load(path)
    metric, value = score(model)
    if model.task == "detection":
        run = partial(model.detect, images, conf=0.25, iou=0.45, batch_size=1)
    else:
        run = partial(model.segment, images, batch_size=1)
    timing, _ = time_calls(run, 1, measure.repeats)
    return {"metric": metric, "score": value, **timing,
            "images_per_s": len(images) / timing["median_s"]}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    from importlib.metadata import version

    from zoo.data.images import read_image
    from zoo.data.paths import data_root
    from zoo.export import export_model

    root = data_root().resolve()
    results = {
        **provenance("apps/deploy/int8_benchmark.py", argv,
                     machine({"ai_edge_litert": version("ai-edge-litert")})),
        "rows": [], "images": args.images, "repeats": args.repeats,
    }  # fmt: skip
    measure.repeats = args.repeats
    with tempfile.TemporaryDirectory(prefix="zoo_int8_bench_") as tmp:
        folder = args.folder or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for name in args.models:
            score, calibration, timing_paths = task_data(name, root)
            images = [read_image(p) for p in timing_paths[: args.images]]
            row = {"model": name}
            for kind, cal in (("float", None), ("int8", calibration)):
                start = time.perf_counter()
                path = folder / f"{name}-{kind}.tflite"
                if not path.is_file():
                    export_model(name, "litert", path, calibration=cal)
                row[kind] = measure(path, score, images)
                row[kind]["export_and_measure_s"] = time.perf_counter() - start
                row["metric"] = row[kind]["metric"]
                print(f"int8_benchmark: {name} {kind}: {row[kind]['metric']} "
                      f"{row[kind]['score']:.4f}, {row[kind]['images_per_s']:.1f} images/s",
                      file=sys.stderr, flush=True)  # fmt: skip
            results["rows"].append(row)
    report(markdown(results), results, args.json)
    return results


if __name__ == "__main__":
    main()
