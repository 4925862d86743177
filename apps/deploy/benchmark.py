"""Each runtime against Keras on the default models, end to end, same machine, same run.

``fcn8s-camvid`` segments CamVid val images (360x480) and ``yolo-wildlife`` detects raccoon
photos (conf 0.25, IoU 0.45), both through ``zoo.load(...)`` as ``zoo segment`` / ``zoo detect``
run them: Keras (detector with batch norm folded) and the model exported whole to LiteRT and
ONNX (``zoo export``). Images are decoded into memory first; each measure makes ``--warmup``
untimed passes and ``--repeats`` timed ones, the median pass giving images/s. Prints a
markdown table naming the CPU; ``--json`` also writes the numbers.

Example:
    $ python apps/deploy/benchmark.py --images 16 --json apps/deploy/results/benchmark.json
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from zoo.benchmarking import (
    machine,
    provenance,
    ratios_to_reference,
    report,
    runtime_versions,
    runtimes_line,
    time_calls,
)

MODELS = {
    "fcn8s-camvid": ("camvid/val", "*.jpg"),
    "fcn8s-camvid-fast": ("camvid/val", "*.jpg"),
    "yolo-wildlife": ("raccoon/images", "*.jpg"),
}
RUNTIMES = ("keras", "litert", "onnx")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    p.add_argument("--runtimes", nargs="+", default=list(RUNTIMES), choices=RUNTIMES)
    p.add_argument("--images", type=int, default=16, help="images per pass")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", type=Path, default=None)
    return p.parse_args(argv)


def load(name: str, runtime: str, folder: Path):
    """``name`` running in ``runtime`` (exported into ``folder`` first)."""
    import zoo

    if runtime == "keras":
        model = zoo.load(name)
        return model.for_inference() if model.task == "detection" else model
    from zoo.export import export_model

    suffix = {"litert": ".tflite", "onnx": ".onnx"}[runtime]
    return zoo.load(export_model(name, runtime, folder / f"{name}{suffix}"))


def markdown(results: dict) -> str:
    lines = [
        f"{runtimes_line(results['machine'])}; {results['images']} images a pass, median "
        f"of {results['repeats']}.",
        "",
        "| model | runtime | batch | images/s | x Keras |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    rows = results["rows"]
    ratios = ratios_to_reference(rows, "images_per_s", lambda r: (r["model"], r["batch_size"]))
    for r, ratio in zip(rows, ratios, strict=True):
        lines.append(f"| {r['model']} | {r['runtime']} | {r['batch_size']} "
                     f"| {r['images_per_s']:.1f} | {ratio} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    from zoo.data.paths import data_root
    from zoo.detection.data import read_image

    libraries = runtime_versions()
    results = {**provenance("apps/deploy/benchmark.py", argv, machine(libraries)), "rows": []}
    results.update(images=args.images, repeats=args.repeats, warmup=args.warmup)
    with tempfile.TemporaryDirectory(prefix="zoo_deploy_bench_") as tmp:
        for name in args.models:
            sub, pattern = MODELS[name]
            paths = sorted((data_root() / sub).glob(pattern))[: args.images]
            if not paths:
                raise SystemExit(f"benchmark: no images in {data_root() / sub} (set ZOO_DATA)")
            images = [read_image(p) for p in paths]
            for runtime in args.runtimes:
                model = load(name, runtime, Path(tmp))
                for b in args.batch_sizes:
                    if model.task == "detection":
                        run = partial(model.detect, images, conf=0.25, iou=0.45, batch_size=b)
                    else:
                        run = partial(model.segment, images, batch_size=b)
                    timing, _ = time_calls(run, args.warmup, args.repeats)
                    speed = len(images) / timing["median_s"]
                    results["rows"].append({"model": name, "runtime": runtime, "batch_size": b,
                                            **timing, "images_per_s": speed})  # fmt: skip
                    print(f"benchmark: {name} {runtime} batch {b}: {speed:.1f} images/s",
                          file=sys.stderr)  # fmt: skip
    report(markdown(results), results, args.json)
    return results


if __name__ == "__main__":
    main()
