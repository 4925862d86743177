"""Measure detection speed: a converted Darknet model in zoo against OpenCV DNN, same machine.

Both sides run the same Darknet network (default ``yolo-fastest-1.1`` at 320x320) on the same
coco128 images, decoded once into memory before timing (RGB ``uint8``, original sizes); each
pipeline resizes the images itself. Two measures per side and batch size (1 and 16):

- **forward**: resize to the input size + the network up to its raw head outputs
  (zoo: ``model.prepare`` + a compiled forward pass of the network; OpenCV:
  ``blobFromImages`` + ``net.forward`` of the output layers);
- **end-to-end**: forward + decoding + per-class NMS to boxes in the images' own pixels
  (zoo: ``model.detect``; OpenCV: best class per box, scores > conf, ``NMSBoxesBatched``, at
  most ``max_det``, as OpenCV's samples do), conf 0.25 and IoU 0.45 on both sides.
  ``zoo-litert`` / ``zoo-onnx``: the same model exported whole (``zoo export``: network,
  decoding and NMS in the file) and run by ``zoo.load(file).detect``, as ``zoo detect`` does.

Each measure makes ``--warmup`` untimed passes over the images, then ``--repeats`` timed passes;
the median pass gives images/s. OpenCV and TensorFlow keep their default thread counts (all
cores); the report records them with the CPU, its load and the library versions. Prints a
markdown table; ``--json`` also writes the numbers.

The zoo model is ``$ZOO_DATA/darknet/NAME.cfg`` + ``.weights`` converted with
:func:`zoo.detection.convert.convert_darknet` to a temporary ``.keras`` and loaded with
``zoo.load``; ``--model PATH`` times an already converted ``.keras`` of the same network.

Example:
    $ python apps/detection/benchmark.py --json apps/detection/results/benchmark.json
    $ python apps/detection/benchmark.py --darknet yolo-fastest-1.1-xl --images 64 --repeats 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import numpy as np

from zoo import benchmarking
from zoo.benchmarking import provenance, report, time_calls

DEFAULT_DARKNET = "yolo-fastest-1.1"
CONF, IOU, MAX_DET = 0.25, 0.45, 100


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see ``--help``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--darknet", default=DEFAULT_DARKNET, help="NAME.cfg + NAME.weights to run")
    p.add_argument("--darknet-dir", type=Path, default=None, help="[default: $ZOO_DATA/darknet]")
    p.add_argument("--model", type=Path, default=None, help="a converted .keras [default: convert]")
    p.add_argument("--data", type=Path, default=None, help="images [default: $ZOO_DATA/coco128]")
    p.add_argument("--images", type=int, default=128, help="images per pass (first N sorted)")
    p.add_argument("--size", type=int, default=320, help="network input height and width")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    p.add_argument("--warmup", type=int, default=1, help="untimed passes per measure")
    p.add_argument("--repeats", type=int, default=5, help="timed passes per measure")
    p.add_argument(
        "--runtimes",
        nargs="*",
        default=["litert", "onnx"],
        choices=["litert", "onnx"],
        help="also time zoo's exported whole model end to end in these runtimes",
    )
    p.add_argument("--json", type=Path, default=None, help="write the results to this file")
    return p.parse_args(argv)


def load_images(folder: Path, n: int) -> tuple[list[np.ndarray], list[str]]:
    """The first ``n`` images (sorted by name) of ``folder`` (or ``folder/images``) as RGB.

    Example:
        >>> images, names = load_images(data_root() / "coco128", 2)  # doctest: +SKIP
    """
    from zoo.detection.data import read_image
    from zoo.detection.data.images import IMAGE_EXTENSIONS

    if (folder / "images").is_dir():
        folder = folder / "images"
    if not folder.is_dir():
        raise SystemExit(f"benchmark: {folder}: no such image folder (set ZOO_DATA or --data)")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)[:n]
    if not paths:
        raise SystemExit(f"benchmark: {folder}: no images")
    return [read_image(p) for p in paths], [p.name for p in paths]


def batches(items: Sequence, size: int) -> list[Sequence]:
    """``items`` cut into consecutive chunks of ``size`` (the last may be shorter).

    Example:
        >>> batches([1, 2, 3], 2)
        [[1, 2], [3]]
    """
    return [items[i : i + size] for i in range(0, len(items), size)]


class OpenCVDetector:
    """OpenCV DNN's Darknet reader with the post-processing of OpenCV's samples.

    Example:
        >>> det = OpenCVDetector("yolo-fastest-1.1.cfg", "yolo-fastest-1.1.weights", 320)
        ... # doctest: +SKIP
        >>> det.detect(images)[0]["boxes"].shape  # doctest: +SKIP
        (3, 4)
    """

    def __init__(self, cfg: Path, weights: Path, size: int):
        self.net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
        self.net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self.net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        self.out_names = self.net.getUnconnectedOutLayersNames()
        self.size = size

    def forward(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Resize + network: one ``(N, rows, 5 + classes)`` array per output layer."""
        # The images are RGB already, as Darknet wants: no channel swap.
        blob = cv2.dnn.blobFromImages(
            list(images), 1 / 255.0, (self.size, self.size), swapRB=False, crop=False
        )
        self.net.setInput(blob)
        outs = self.net.forward(self.out_names)
        return [np.asarray(o).reshape(len(images), -1, o.shape[-1]) for o in outs]

    def detect(self, images: Sequence[np.ndarray]) -> list[dict]:
        """Forward + decoding + per-class NMS: boxes ``x1, y1, x2, y2`` in image pixels."""
        rows = np.concatenate(self.forward(images), axis=1)
        results = []
        for image, r in zip(images, rows, strict=True):
            h, w = image.shape[:2]
            labels = r[:, 5:].argmax(1)
            scores = r[np.arange(len(r)), 5 + labels]
            keep = scores > CONF
            r, labels, scores = r[keep], labels[keep], scores[keep]
            rects = np.stack(
                [
                    (r[:, 0] - r[:, 2] / 2) * w,
                    (r[:, 1] - r[:, 3] / 2) * h,
                    r[:, 2] * w,
                    r[:, 3] * h,
                ],
                axis=1,
            )
            picked = cv2.dnn.NMSBoxesBatched(
                rects.tolist(), scores.tolist(), labels.tolist(), CONF, IOU
            )
            picked = np.asarray(picked, np.int64).reshape(-1)
            picked = picked[np.argsort(-scores[picked], kind="stable")][:MAX_DET]
            boxes = rects[picked].copy()
            boxes[:, 2:] += boxes[:, :2]
            results.append(
                {
                    "boxes": np.clip(boxes, 0, [w, h, w, h]).astype(np.float32),
                    "scores": scores[picked],
                    "labels": labels[picked],
                }
            )
        return results


class ZooForward:
    """The zoo detector's network alone, compiled, with the model's own image preparation.

    Example:
        >>> outputs = ZooForward(model)(images)  # doctest: +SKIP
    """

    def __init__(self, model):
        import keras

        self.model = model
        self.network = keras.Model(model.inputs, model.outputs, name="raw_forward")

    def __call__(self, images: Sequence[np.ndarray]):
        batch, _ = self.model.prepare(images)
        return self.network.predict_on_batch(batch)


def time_passes(
    run: Callable[[Sequence[np.ndarray]], object],
    images: list[np.ndarray],
    batch_size: int,
    warmup: int,
    repeats: int,
) -> tuple[dict, list]:
    """Median seconds of one pass of ``run`` over ``images`` in batches; also the last outputs.

    Example:
        >>> row, outputs = time_passes(detector.detect, images, 16, 1, 5)  # doctest: +SKIP
        >>> row["images_per_s"]  # doctest: +SKIP
        212.4
    """
    chunks = batches(images, batch_size)
    timing, outputs = time_calls(lambda: [run(chunk) for chunk in chunks], warmup, repeats)
    row = {
        "batch_size": batch_size,
        "images": len(images),
        **timing,
        "images_per_s": len(images) / timing["median_s"],
    }
    return row, outputs


def avx512() -> bool | None:
    """Whether the CPU has AVX-512 (Linux ``/proc/cpuinfo``; None when unknown)."""
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return None


def machine() -> dict:
    """The device the numbers come from: CPU, cores, load, threads and versions."""
    from importlib.metadata import PackageNotFoundError, version

    libraries = {
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "opencv_threads": cv2.getNumThreads(),
        "avx512": avx512(),
    }
    for package in ("onnxruntime", "ai_edge_litert"):
        with contextlib.suppress(PackageNotFoundError):
            libraries[package] = version(package.replace("_", "-"))
    return benchmarking.machine(libraries, tf_threads=("intra_op", "inter_op"))


def count_detections(outputs: list) -> int:
    """Detections in one end-to-end pass (a list of per-batch lists of per-image dicts)."""
    return sum(len(d["scores"]) for batch in outputs for d in batch)


MEASURES = {
    "forward": "resize + network to raw head outputs",
    "end_to_end": f"forward + decoding + per-class NMS (conf {CONF}, IoU {IOU}) to image pixels",
}


def markdown(results: dict) -> str:
    """The results as a markdown table, with what was measured where."""
    m = results["machine"]
    where = f"{m['cpu']}, {m['cpu_count']} cores, {'with' if m.get('avx512') else 'no'} AVX-512"
    runtimes = [f"{k} {v}" for k, v in m.items() if k in ("onnxruntime", "ai_edge_litert")]
    if m["gpus"]:
        where += f" (zoo on {', '.join(m['gpus'])})"
    threads = f"OpenCV {m['opencv']} ({m['opencv_threads']} threads)"
    if "tensorflow" in m:
        tf_threads = m["tf_intra_op_threads"] or "default"
        backend = f"TensorFlow {m['tensorflow']}, intra-op threads {tf_threads}"
    else:
        backend = m["backend"]
    lines = [
        f"`{results['darknet']}` at {results['size']}x{results['size']} on {results['images']} "
        f"images of `{results['data']}`; zoo: Keras {m['keras']} ({backend}), "
        f"{', '.join(runtimes) or 'no exported runtimes'}; {threads}; "
        f"{where}, 1-min load average {m['load_avg_1m']:.1f}.",
        "",
        "| pipeline | measure | batch | images | median pass (s) | images/s | zoo / OpenCV "
        "| detections |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    speed = {
        (r["pipeline"], r["measure"], r["batch_size"]): r["images_per_s"] for r in results["rows"]
    }
    for r in results["rows"]:
        ratio = ""
        if r["pipeline"].startswith("zoo"):
            ref = speed.get(("opencv", r["measure"], r["batch_size"]))
            ratio = f"{r['images_per_s'] / ref:.2f}" if ref else ""
        dets = r.get("detections", "")
        lines.append(
            f"| {r['pipeline']} | {r['measure']} | {r['batch_size']} | {r['images']} "
            f"| {r['median_s']:.3f} | {r['images_per_s']:.1f} | {ratio} | {dets} |"
        )
    lines += ["", *(f"- {k}: {v}." for k, v in MEASURES.items())]
    lines.append(
        f"- median of {results['repeats']} timed passes after {results['warmup']} untimed."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; prints the table, writes ``--json``, returns the results.

    Example:
        >>> main(["--images", "16", "--repeats", "3"])  # doctest: +SKIP
    """
    args = parse_args(argv)
    if min(args.batch_sizes) < 1 or args.repeats < 1 or args.warmup < 0 or args.images < 1:
        raise SystemExit("benchmark: batch sizes, --images and --repeats must be >= 1")
    from zoo.data.paths import data_root

    darknet_dir = args.darknet_dir or data_root() / "darknet"
    cfg, weights = darknet_dir / f"{args.darknet}.cfg", darknet_dir / f"{args.darknet}.weights"
    for path in (cfg, weights):
        if not path.is_file():
            raise SystemExit(f"benchmark: {path}: not found (set ZOO_DATA or --darknet-dir)")
    data = args.data or data_root() / "coco128"
    images, _ = load_images(data, args.images)

    import zoo
    from zoo.detection.convert import convert_darknet

    with tempfile.TemporaryDirectory(prefix="zoo_bench_") as tmp:
        model_path = args.model
        if model_path is None:
            model_path = Path(tmp) / f"{args.darknet}.keras"
            size = (args.size, args.size)
            convert_darknet(cfg, weights, darknet_dir / "coco.names", model_path, size)
        model = zoo.load(model_path).for_inference()  # as `zoo detect` runs it
        exported = {}
        for runtime in args.runtimes:
            from zoo.export import export_model

            suffix = {"litert": ".tflite", "onnx": ".onnx"}[runtime]
            path = export_model(model_path, runtime, Path(tmp) / f"{args.darknet}{suffix}")
            exported[runtime] = zoo.load(path)
    if tuple(model.input_size) != (args.size, args.size):
        raise SystemExit(
            f"benchmark: {model_path} takes {model.input_size}, not --size {args.size}"
        )

    opencv = OpenCVDetector(cfg, weights, args.size)
    raw = ZooForward(model)
    results: dict = {
        "darknet": args.darknet,
        "model": (str(args.model) if args.model else f"{args.darknet} converted by convert_darknet")
        + ", batch norm folded (model.for_inference(), as zoo detect runs it)",
        "data": str(Path(data).resolve()),
        "size": args.size,
        "images": len(images),
        "warmup": args.warmup,
        "repeats": args.repeats,
        "conf": CONF,
        "iou": IOU,
        "max_det": MAX_DET,
        "measures": MEASURES,
        **provenance("apps/detection/benchmark.py", argv, machine()),
        "rows": [],
    }
    settings = {"conf": CONF, "iou": IOU, "max_det": MAX_DET}
    for b in args.batch_sizes:
        pipelines = [
            ("zoo", "forward", raw),
            ("opencv", "forward", opencv.forward),
            ("zoo", "end_to_end", partial(model.detect, **settings, batch_size=b)),
            ("opencv", "end_to_end", opencv.detect),
        ]
        pipelines += [
            (f"zoo-{runtime}", "end_to_end", partial(m.detect, **settings, batch_size=b))
            for runtime, m in exported.items()
        ]
        for pipeline, measure, run in pipelines:
            row, outputs = time_passes(run, images, b, args.warmup, args.repeats)
            row = {"pipeline": pipeline, "measure": measure, **row}
            if measure == "end_to_end":
                row["detections"] = count_detections(outputs)
            results["rows"].append(row)
            speed = f"{row['images_per_s']:.1f} images/s"
            print(f"benchmark: {pipeline} {measure} batch {b}: {speed}", file=sys.stderr)
    report(markdown(results), results, args.json)
    return results


if __name__ == "__main__":
    main()
