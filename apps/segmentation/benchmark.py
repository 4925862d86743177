"""Measure segmentation speed: ``model.segment`` in process and the whole ``zoo segment`` command.

In process: images/s of ``model.segment`` at 360x480 for batch sizes 1 and 8 (warm-up calls,
then several timed repeats; the median is reported). Command: the wall time of
``python -m zoo segment FOLDER`` on N generated 360x480 JPEGs, start-up, model loading, mask
and overlay writing included, and its images/s. Prints a markdown table; ``--json`` also writes
the numbers with the machine they were measured on.

The default model is ``fcn8s-camvid``; when ``weights/manifest.json`` lacks it, a freshly built
FCN-8s with the CamVid recipe's config (random weights, same speed) stands in, and the report
says so. In the same run, ``--reference`` (default: the baseline recipe
``fcn8s_camvid_litenet.toml``, the first ``fcn8s-camvid``'s architecture, freshly built) is
timed in process too, and the table gives each batch size's speed ratio against it.

Example:
    $ python apps/segmentation/benchmark.py --json apps/segmentation/results/benchmark.json
    $ python apps/segmentation/benchmark.py --model runs/fcn8s-camvid/best.keras --repeats 10
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import tomllib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from zoo.benchmarking import provenance, report, time_calls, time_command

RECIPES = Path(__file__).resolve().parent / "recipes"
RECIPE = RECIPES / "fcn8s_camvid.toml"
BASELINE_RECIPE = RECIPES / "fcn8s_camvid_litenet.toml"
DEFAULT_MODEL = "fcn8s-camvid"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see ``--help``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=DEFAULT_MODEL, help="trained model name or .keras path")
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--width", type=int, default=480)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    p.add_argument("--warmup", type=int, default=2, help="untimed calls per batch size")
    p.add_argument("--repeats", type=int, default=7, help="timed calls per batch size")
    p.add_argument(
        "--cli-images", type=int, default=32, help="images for the zoo segment run (0: skip)"
    )
    p.add_argument("--cli-batch-sizes", type=int, nargs="+", default=None,
                   help="--batch-size values of zoo segment [default: --batch-sizes]")  # fmt: skip
    p.add_argument(
        "--reference",
        default="baseline",
        help="model timed alongside for speed ratios: 'baseline' (a fresh FCN-8s from "
        f"{BASELINE_RECIPE.name}), a model name or .keras path, or 'none'",
    )
    p.add_argument("--json", type=Path, default=None, help="write the results to this file")
    return p.parse_args(argv)


def fallback_model(recipe: Path = RECIPE):
    """FCN-8s with a CamVid recipe's model config and CamVid's classes, random weights.

    Example:
        >>> fallback_model(BASELINE_RECIPE).backbone_name  # doctest: +SKIP
        'litenet'
    """
    from zoo.api import create_model
    from zoo.segmentation.data.readers import CAMVID_CLASSES, CAMVID_IGNORE
    from zoo.segmentation.train import resolve_darknet_backbone

    config = dict(tomllib.loads(recipe.read_text())["model"])
    arch = config.pop("architecture")
    resolve_darknet_backbone(config)  # the Darknet cfg text from $ZOO_DATA
    return create_model(
        arch, class_names=list(CAMVID_CLASSES), ignore_index=CAMVID_IGNORE, **config
    )


def resolve_model(name: str) -> tuple[object, str | None, str]:
    """``(model, note, how)``: the model to time, a note when it is a stand-in, and a label.

    Example:
        >>> model, note, label = resolve_model("fcn8s-camvid")  # doctest: +SKIP
    """
    import zoo.api
    from zoo.weights import manifest

    if name == DEFAULT_MODEL and name not in manifest() and not Path(name).is_file():
        note = (
            f"{name} is not in weights/manifest.json yet: timing a freshly built fcn8s "
            f"(backbone config of {RECIPE.name}, random weights: the same speed)"
        )
        return fallback_model(), note, f"fcn8s (fresh, {RECIPE.name} config)"
    return zoo.api.load(name), None, name


def resolve_reference(name: str):
    """``(model, label)`` of ``--reference``, or ``(None, None)`` for ``none``."""
    if name == "none":
        return None, None
    if name == "baseline":
        return fallback_model(BASELINE_RECIPE), f"fcn8s (fresh, {BASELINE_RECIPE.name} config)"
    import zoo.api

    return zoo.api.load(name), name


def make_images(n: int, height: int, width: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` RGB uint8 test images: smooth colour gradients with noise, like photos compress.

    Example:
        >>> make_images(2, 36, 48)[0].shape
        (36, 48, 3)
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    images = []
    for _ in range(n):
        a, b, c = rng.uniform(0.5, 2.0, 3)
        base = np.stack(
            [128 + 100 * np.sin(a * xx / width * np.pi), 255 * yy / height,
             128 + 100 * np.cos(b * (xx + c * yy) / width * np.pi)], -1,
        )  # fmt: skip
        noise = rng.normal(0, 12, base.shape)
        images.append(np.clip(base + noise, 0, 255).astype(np.uint8))
    return images


def time_segment(model, images: list[np.ndarray], batch_size: int, warmup: int, repeats: int):
    """Median seconds of ``model.segment(images, batch_size)`` over ``repeats`` timed calls.

    Example:
        >>> time_segment(model, make_images(8, 360, 480), 8, 2, 5)  # doctest: +SKIP
        {'batch_size': 8, 'median_s': 0.61, ...}
    """
    timing, masks = time_calls(
        lambda: model.segment(images, batch_size=batch_size), warmup, repeats
    )
    assert masks[0].shape == images[0].shape[:2]
    return {
        "batch_size": batch_size,
        "images": len(images),
        **timing,
        "images_per_s": len(images) / timing["median_s"],
    }


def time_cli(model_arg: str, folder: Path, n: int, batch_size: int, workdir: Path) -> dict:
    """Wall time of one ``python -m zoo segment folder`` process (start-up included).

    Example:
        >>> time_cli("fcn8s-camvid", Path("imgs"), 32, 8, Path("/tmp"))  # doctest: +SKIP
        {'batch_size': 8, 'images': 32, 'wall_s': 14.2, 'images_per_s': 2.25}
    """
    out = workdir / f"out_b{batch_size}"
    cmd = [sys.executable, "-m", "zoo", "segment", str(folder), "--model", model_arg,
           "--out", str(out), "--batch-size", str(batch_size)]  # fmt: skip
    wall = time_command(cmd, "zoo segment")
    written = len(list(out.glob("*_overlay.jpg")))
    if written != n:
        raise SystemExit(f"benchmark: zoo segment wrote {written} overlays for {n} images")
    return {"batch_size": batch_size, "images": n, "wall_s": wall, "images_per_s": n / wall}


def markdown(results: dict) -> str:
    """The results as a markdown table with a line saying what was measured where."""
    m = results["machine"]
    where = ", ".join(m["gpus"]) or f"{m['cpu']}, {m['cpu_count']} cores"
    size = f"{results['height']}x{results['width']}"
    lines = [
        f"Model `{results['model']}`, {size} RGB, Keras {m['keras']} ({m['backend']}) on {where}"
        f" (1-min load average {m['load_avg_1m']:.1f}).",
        "",
        "| measure | batch | images | time (s) | images/s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results["in_process"]:
        lines.append(
            f"| `model.segment`, median of {r['repeats']} | {r['batch_size']} | {r['images']} "
            f"| {r['median_s']:.3f} | {r['images_per_s']:.2f} |"
        )
    for r in results.get("reference", []):
        lines.append(
            f"| reference `{results['reference_model']}`, median of {r['repeats']} "
            f"| {r['batch_size']} | {r['images']} | {r['median_s']:.3f} "
            f"| {r['images_per_s']:.2f} |"
        )
    for r in results["cli"]:
        lines.append(
            f"| `zoo segment` process, wall incl. start-up | {r['batch_size']} | {r['images']} "
            f"| {r['wall_s']:.2f} | {r['images_per_s']:.2f} |"
        )
    if results.get("reference"):
        ratios = ", ".join(
            f"batch {r['batch_size']}: {r['images_per_s'] / ref['images_per_s']:.2f}x"
            for r, ref in zip(results["in_process"], results["reference"], strict=True)
        )
        lines += ["", f"Speed of `{results['model']}` against the reference: {ratios}."]
    if results.get("note"):
        lines += ["", f"Note: {results['note']}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; prints the table, writes ``--json``, returns the results.

    Example:
        >>> main(["--repeats", "3", "--cli-images", "0"])  # doctest: +SKIP
    """
    args = parse_args(argv)
    if min(args.batch_sizes) < 1 or args.repeats < 1 or args.warmup < 0 or args.cli_images < 0:
        raise SystemExit("benchmark: batch sizes and --repeats must be >= 1, the rest >= 0")
    model, note, label = resolve_model(args.model)
    if note:
        print(f"benchmark: note: {note}", file=sys.stderr)
    results: dict = {
        "model": label,
        "note": note,
        "height": args.height,
        "width": args.width,
        **provenance("apps/segmentation/benchmark.py", argv),
        "in_process": [],
        "cli": [],
    }
    reference, results["reference_model"] = resolve_reference(args.reference)
    for b in args.batch_sizes:
        images = make_images(b, args.height, args.width, seed=b)
        results["in_process"].append(time_segment(model, images, b, args.warmup, args.repeats))
        if reference is not None:
            timing = time_segment(reference, images, b, args.warmup, args.repeats)
            results.setdefault("reference", []).append(timing)
    if args.cli_images:
        import cv2

        with tempfile.TemporaryDirectory(prefix="zoo_bench_") as tmp:
            work = Path(tmp)
            folder = work / "images"
            folder.mkdir()
            for i, img in enumerate(make_images(args.cli_images, args.height, args.width, 99)):
                cv2.imwrite(str(folder / f"img_{i:04d}.jpg"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
            model_arg = args.model
            if note:  # the stand-in model goes to the command as a .keras file
                model_arg = str(work / "model.keras")
                model.save(model_arg)
            for b in args.cli_batch_sizes or args.batch_sizes:
                results["cli"].append(time_cli(model_arg, folder, args.cli_images, b, work))
    report(markdown(results), results, args.json)
    return results


if __name__ == "__main__":
    main()
