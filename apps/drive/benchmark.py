"""Measure driving perception end to end: one multi-task model against two models in turn.

A street video is made in a temporary folder from CamVid val frames (``--frames`` of them, at
480x360 and at 960x720; never kept) and run through the same code as the command line:

- **drive**: ``zoo drive``'s video path (:func:`zoo.cli.video_infer.drive_video`): decode,
  resize, the network once (both heads), decoding, NMS, argmax, mask resize, overlay (mask,
  boxes, corridor, legend), encode, per-frame records;
- **separate**: ``zoo segment`` (``fcn8s-camvid``) then ``zoo detect``
  (``yolo-fastest-xl-coco``) over the same video, one after the other
  (:func:`segment_video`, :func:`detect_video`: each decodes, runs, draws and encodes).

Every model is loaded as the command line loads it (``--runtime``, default ``auto``: the
fastest measured runtime, LiteRT, exported once into ``$ZOO_CACHE``); each pipeline runs once
untimed on a short video (warm-up), then ``--repeats`` timed runs over the whole video; the
median gives frames/s. ``--runtimes`` also times the driving model alone in each runtime at
480x360. FLOPs per frame are TensorFlow's profiler count of each network's graph at batch 1
(batch norm folded), set against the machine's measured matmul peak (numpy float32, 2048^3,
best of 5, all cores). Prints a markdown table; ``--json`` writes the record.

Example:
    $ python apps/drive/benchmark.py --json apps/drive/results/benchmark.json
    $ python apps/drive/benchmark.py --frames 24 --repeats 1 --runtimes ""
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import numpy as np

from zoo.benchmarking import provenance, report, time_calls

DRIVE, SEGMENT, DETECT = "drive-camvid-coco", "fcn8s-camvid", "yolo-fastest-xl-coco"
SIZES = ((360, 480), (720, 960))
CONF, IOU, MAX_DET = 0.25, 0.45, 100


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--drive", default=DRIVE, help="driving model name or file")
    p.add_argument("--segment", default=SEGMENT, help="segmentation model of the pair")
    p.add_argument("--detect", default=DETECT, help="detection model of the pair")
    p.add_argument("--data", type=Path, default=None, help="[default: $ZOO_DATA/camvid/val]")
    p.add_argument("--frames", type=int, default=101, help="frames in the video")
    p.add_argument("--repeats", type=int, default=3, help="timed runs (median)")
    p.add_argument("--batch-size", type=int, default=8, help="frames per batch (the CLI's)")
    p.add_argument("--runtime", default="auto", choices=["auto", "keras", "onnx", "litert"])
    p.add_argument(
        "--runtimes",
        default="keras,onnx,litert",
        help="comma-separated runtimes to time the driving model alone in at 480x360",
    )
    p.add_argument("--json", type=Path, default=None, help="write the record here")
    return p.parse_args(argv)


def make_video(
    folder: Path, sources: list[Path], size: tuple[int, int], stem: str = "street"
) -> Path:
    """``folder/<stem>_<w>x<h>.mp4``: ``sources`` resized to ``size`` ``(h, w)``, 30 frames/s."""
    from zoo.video import VideoOut

    path = folder / f"{stem}_{size[1]}x{size[0]}.mp4"
    with VideoOut(path, 30.0, size[1], size[0]) as out:
        for source in sources:
            rgb = cv2.cvtColor(cv2.imread(str(source)), cv2.COLOR_BGR2RGB)
            if rgb.shape[:2] != size:
                rgb = cv2.resize(rgb, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
            out.write(rgb)
    return path


def matmul_peak(n: int = 2048, repeats: int = 5) -> float:
    """Best numpy float32 ``n x n`` matmul rate in GFLOP/s."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def graph_flops(network, size: tuple[int, int]) -> float:
    """FLOPs of ``network`` (a Keras model on 0..255 RGB) at batch 1 and ``size``, counted
    by TensorFlow's profiler on the traced graph."""
    import tensorflow as tf

    fn = tf.function(lambda x: network(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec([1, *size, 3], tf.float32))
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    info = tf.compat.v1.profiler.profile(graph=concrete.graph, options=opts)
    return float(info.total_float_ops)


def load(name: str, task: str, runtime: str):
    """The model as the command line loads it (Keras: batch norm folded)."""
    from zoo.cli.common import load_fast_model

    model = load_fast_model(name, task, runtime)
    return model.for_inference() if hasattr(model, "for_inference") else model


def run_drive(model, video: Path, out: Path, batch: int) -> int:
    from zoo.cli.video_infer import drive_video

    records, _, problem = drive_video(model, video, out, CONF, IOU, 0.45, batch)
    if problem:
        raise SystemExit(f"benchmark: {problem}")
    return len(records)


def run_pair(seg, det, video: Path, out: Path, batch: int) -> int:
    from zoo.cli.detect_cmd import _record
    from zoo.cli.video_infer import detect_video, segment_video

    frames, _, problem = segment_video(seg, video, out, 0.5, batch)
    _, _, problem2 = detect_video(det, video, out, CONF, IOU, MAX_DET, batch, 1, _record)
    if problem or problem2:
        raise SystemExit(f"benchmark: {problem or problem2}")
    return len(frames)


def main(argv=None) -> None:
    args = parse_args(argv)
    from zoo.cli.common import setup_backend
    from zoo.data.paths import data_root
    from zoo.progress import set_quiet

    setup_backend()
    set_quiet(True)
    folder = args.data or data_root() / "camvid" / "val"
    sources = sorted(Path(p) for p in glob.glob(str(folder / "*")))[: args.frames]
    if not sources:
        raise SystemExit(f"benchmark: no images in {folder}")
    drive = load(args.drive, "drive", args.runtime)
    seg = load(args.segment, "segmentation", args.runtime)
    det = load(args.detect, "detection", args.runtime)
    rows, results = [], {"sizes": {}, "runtimes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out = tmp / "out"
        out.mkdir()
        for size in SIZES:
            video = make_video(tmp, sources, size)
            first = make_video(tmp, sources[:8], size, "warm")
            run_drive(drive, first, out, args.batch_size)
            run_pair(seg, det, first, out, args.batch_size)
            t_drive, n = time_calls(
                lambda v=video: run_drive(drive, v, out, args.batch_size), 0, args.repeats
            )
            t_pair, _ = time_calls(
                lambda v=video: run_pair(seg, det, v, out, args.batch_size), 0, args.repeats
            )
            fps_drive = n / t_drive["median_s"]
            fps_pair = n / t_pair["median_s"]
            key = f"{size[1]}x{size[0]}"
            results["sizes"][key] = {
                "frames": n,
                "drive": {**t_drive, "fps": fps_drive},
                "separate": {**t_pair, "fps": fps_pair},
                "speedup": fps_drive / fps_pair,
            }
            rows.append((key, fps_drive, fps_pair, fps_drive / fps_pair))
        video480 = tmp / "street_480x360.mp4"
        for runtime in [r for r in args.runtimes.split(",") if r]:
            model = load(args.drive, "drive", runtime)
            run_drive(model, tmp / "warm_480x360.mp4", out, args.batch_size)
            timing, n = time_calls(
                lambda m=model: run_drive(m, video480, out, args.batch_size), 0, args.repeats
            )
            results["runtimes"][runtime] = {**timing, "fps": n / timing["median_s"]}
    import keras

    from zoo.api import load as zoo_load

    keras_drive = zoo_load(args.drive).for_inference()
    flops = {
        DRIVE: graph_flops(keras_drive, tuple(keras_drive.input_size)),
        SEGMENT: graph_flops(zoo_load(args.segment), SIZES[0]),
        DETECT: graph_flops(zoo_load(args.detect).for_inference(), (320, 320)),
    }
    peak = matmul_peak()
    fps480 = results["sizes"]["480x360"]["drive"]["fps"]
    results.update(
        flops_per_frame=flops,
        matmul_peak_gflops=peak,
        drive_gflops_at_480x360=flops[DRIVE] * fps480 / 1e9,
        drive_share_of_peak=flops[DRIVE] * fps480 / 1e9 / peak,
        keras_backend=keras.backend.backend(),
        batch_size=args.batch_size,
        runtime=args.runtime,
    )
    table = [
        "| video | `zoo drive` (one model) frames/s | `fcn8s-camvid` then `yolo-fastest-xl-coco` "
        "frames/s | speed-up |",
        "| --- | ---: | ---: | ---: |",
    ]
    table += [f"| {k} | {a:.1f} | {b:.1f} | {a / b:.2f}x |" for k, a, b, _ in rows]
    if results["runtimes"]:
        table += ["", "| runtime (`zoo drive`, 480x360) | frames/s |", "| --- | ---: |"]
        table += [f"| {r} | {v['fps']:.1f} |" for r, v in results["runtimes"].items()]
    table += [
        "",
        "| network | GFLOPs per frame |",
        "| --- | ---: |",
        f"| `{DRIVE}` ({'x'.join(map(str, keras_drive.input_size[::-1]))}, both heads) | "
        f"{flops[DRIVE] / 1e9:.2f} |",
        f"| `{SEGMENT}` (480x360 frame, run at 1.5x) | {flops[SEGMENT] / 1e9:.2f} |",
        f"| `{DETECT}` (320x320) | {flops[DETECT] / 1e9:.2f} |",
        "",
        f"Matmul peak (numpy float32): {peak:.0f} GFLOP/s; `{DRIVE}` at 480x360 end to end: "
        f"{results['drive_gflops_at_480x360']:.1f} GFLOP/s of network work "
        f"({100 * results['drive_share_of_peak']:.1f}% of the peak).",
    ]
    table = "\n".join(table)
    results = {**provenance("apps/drive/benchmark.py"), "table": table, **results}
    report(table, results, args.json)


if __name__ == "__main__":
    sys.exit(main())
