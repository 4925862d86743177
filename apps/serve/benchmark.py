"""Load test of ``zoo serve`` on loopback: throughput and latency with dynamic batching,
without it, and the offline throughput of the same runtime on the same images, in one run.

Offline is what ``zoo detect FOLDER`` does per image, in-process: decode the JPEG
(:func:`zoo.data.images.read_image`) and run the detector in batches of ``--batch-size``, in
the runtime the server uses (the cached LiteRT export). The server runs are ``zoo serve MODEL``
child processes on 127.0.0.1; an asyncio client keeps ``--clients`` requests in flight (v2
``infer`` with the JPEG as a BYTES tensor, binary extension, as tritonclient sends it), each
image ``--passes`` times, after ``--warmup`` untimed requests. Bounded: at most
``clients x passes x images`` requests, each with a 120 s timeout; loopback only.

Run:
    python apps/serve/benchmark.py --json apps/serve/results/benchmark.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from zoo.benchmarking import machine, provenance, report
from zoo.data.paths import data_root

SCRIPT = "apps/serve/benchmark.py"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="yolo-fastest-xl-coco")
    p.add_argument("--images", default=None, help="Folder of JPEGs [$ZOO_DATA/coco128/images].")
    p.add_argument("--limit", type=int, default=128, help="Images used (sorted by name).")
    p.add_argument("--passes", type=int, default=2, help="Times each image is sent per mode.")
    p.add_argument("--clients", type=int, default=32, help="Requests kept in flight.")
    p.add_argument("--max-batch", type=int, default=8, help="The batched server's --max-batch.")
    p.add_argument("--max-wait-ms", type=float, default=10.0)
    p.add_argument("--batch-size", type=int, default=8, help="Offline batch (zoo detect's).")
    p.add_argument("--warmup", type=int, default=16)
    p.add_argument("--threads", type=int, default=None, help="The servers' --threads.")
    p.add_argument("--json", type=Path, default=None, help="Write the record here.")
    return p.parse_args(argv)


def infer_body(jpeg: bytes) -> tuple[bytes, dict]:
    """A v2 infer request with one encoded image, in the binary tensor data extension."""
    raw = struct.pack("<I", len(jpeg)) + jpeg
    head = json.dumps(
        {
            "inputs": [
                {
                    "name": "image_file",
                    "datatype": "BYTES",
                    "shape": [1],
                    "parameters": {"binary_data_size": len(raw)},
                }
            ],
            "parameters": {"binary_data_output": True},
        }
    ).encode()
    return head + raw, {"Inference-Header-Content-Length": str(len(head))}


def offline(model_name: str, paths: list[Path], batch_size: int, passes: int) -> dict:
    """Images/s of decode + detect in batches, as ``zoo detect`` runs a folder."""
    from zoo.data.images import read_image
    from zoo.serve.served import load_served

    served = load_served(model_name)
    model = served.model

    def one_pass() -> None:
        batch = []
        for path in paths:
            batch.append(read_image(path))
            if len(batch) == batch_size:
                model.detect(batch, batch_size=batch_size)
                batch = []
        if batch:
            model.detect(batch, batch_size=batch_size)

    one_pass()  # warm-up: the interpreter plans its tensors
    start = time.perf_counter()
    for _ in range(passes):
        one_pass()
    seconds = time.perf_counter() - start
    return {
        "runtime": served.runtime,
        "batch_size": batch_size,
        "images": len(paths) * passes,
        "seconds": seconds,
        "images_per_s": len(paths) * passes / seconds,
    }


def network_only(model_name: str, paths: list[Path], sizes=(1, 2, 4, 8), seconds=3.0) -> dict:
    """Images/s of the runtime alone (no decode, no server) on prepared batches of real images,
    per batch size: what batching can gain in compute."""
    from zoo.data.images import read_image
    from zoo.detection.prepare import prepared_batches
    from zoo.serve.served import load_served

    served = load_served(model_name)
    model = served.model
    images = [read_image(p) for p in paths[: max(sizes)]]
    chunks = prepared_batches(images, model.input_size, model.preprocessing, len(images), True)
    batch = next(chunks)[0]
    conf, iou = np.asarray(0.25, np.float32), np.asarray(0.45, np.float32)
    rates = {}
    for size in sizes:
        runner = served.model_for(size).runner
        runner.run(images=batch[:size], conf=conf, iou=iou)  # plans the tensors
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            runner.run(images=batch[:size], conf=conf, iou=iou)
            done += size
        rates[str(size)] = done / (time.perf_counter() - start)
    return {"runtime": served.runtime, "images_per_s_by_batch": rates}


async def load(url: str, model: str, bodies: list, clients: int, warmup: int) -> dict:
    """Send every body with ``clients`` in flight; latencies and errors."""
    import httpx

    path = f"{url}/v2/models/{model}/infer"
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        for body, headers in bodies[:warmup]:
            await client.post(path, content=body, headers=headers)
        before = (await client.get(f"{url}/metrics")).text
        queue = list(reversed(bodies))

        async def worker() -> None:
            while queue:
                body, headers = queue.pop()
                start = time.perf_counter()
                try:
                    answer = await client.post(path, content=body, headers=headers)
                    status = str(answer.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                if status == "200":
                    latencies.append(time.perf_counter() - start)
                else:
                    errors[status] = errors.get(status, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        seconds = time.perf_counter() - start
        after = (await client.get(f"{url}/metrics")).text
    ms = np.asarray(latencies) * 1000
    return {
        "requests": len(bodies),
        "ok": len(latencies),
        "errors": errors,
        "seconds": seconds,
        "images_per_s": len(latencies) / seconds,
        "p50_ms": float(np.percentile(ms, 50)) if len(ms) else None,
        "p99_ms": float(np.percentile(ms, 99)) if len(ms) else None,
        "mean_ms": float(ms.mean()) if len(ms) else None,
        "mean_batch": mean_batch(before, after, model),
    }


def mean_batch(before: str, after: str, model: str) -> float | None:
    """The mean batch size between two readings of the server's Prometheus metrics."""

    def reading(text: str, kind: str) -> float:
        m = re.search(rf'zoo_batch_size_{kind}{{model="{re.escape(model)}"}} (\S+)', text)
        return float(m.group(1)) if m else 0.0

    count = reading(after, "count") - reading(before, "count")
    return (reading(after, "sum") - reading(before, "sum")) / count if count else None


def serve_run(args, bodies: list, max_batch: int, log_dir: Path) -> dict:
    from zoo.serve.process import ServerProcess

    flags = ["--max-batch", str(max_batch), "--max-wait-ms", str(args.max_wait_ms)]
    flags += ["--max-queue", str(4 * args.clients), "--log-level", "warning"]
    if args.threads:
        flags += ["--threads", str(args.threads)]
    with ServerProcess([args.model, *flags], log_dir / f"serve-batch{max_batch}.log") as server:
        result = asyncio.run(load(server.url, args.model, bodies, args.clients, args.warmup))
    result.update({"max_batch": max_batch, "max_wait_ms": args.max_wait_ms})
    return result


def table(results: dict) -> str:
    off = results["offline"]
    rows = [
        "| mode | images/s | x offline | p50 ms | p99 ms | mean batch (timed) | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| offline, batches of {off['batch_size']} (zoo detect) | {off['images_per_s']:.1f} "
        "| 1.00 | | | | |",
    ]
    for key, label in (
        ("batched", "server, dynamic batching"),
        ("unbatched", "server, no batching"),
    ):
        r = results[key]
        rows.append(
            f"| {label} (--max-batch {r['max_batch']}) | {r['images_per_s']:.1f} | "
            f"{r['images_per_s'] / off['images_per_s']:.2f} | {r['p50_ms']:.0f} | "
            f"{r['p99_ms']:.0f} | {r['mean_batch']:.2f} | {sum(r['errors'].values())} |"
        )
    ratio = results["batched"]["images_per_s"] / results["unbatched"]["images_per_s"]
    rows.append("")
    rows.append(f"Batched / unbatched throughput: {ratio:.2f}x.")
    return "\n".join(rows)


def main(argv=None) -> None:
    args = parse_args(argv)
    folder = Path(args.images) if args.images else data_root() / "coco128" / "images"
    paths = sorted(folder.glob("*.jpg"))[: args.limit]
    if not paths:
        sys.exit(f"benchmark: no .jpg images in {folder} (set ZOO_DATA or --images)")
    jpegs = [p.read_bytes() for p in paths]
    bodies = [infer_body(j) for j in jpegs] * args.passes
    from importlib.metadata import version

    libraries = {k: version(k) for k in ("ai-edge-litert", "fastapi", "uvicorn", "httpx")}
    results = {**provenance(SCRIPT, argv, machine(libraries)), "model": args.model}
    results["clients"] = args.clients
    results["image_count"] = len(paths)
    results["offline"] = offline(args.model, paths, args.batch_size, args.passes)
    with tempfile.TemporaryDirectory() as tmp:
        results["batched"] = serve_run(args, bodies, args.max_batch, Path(tmp))
        results["unbatched"] = serve_run(args, bodies, 1, Path(tmp))
    results["offline_batch1"] = offline(args.model, paths, 1, args.passes)
    results["network_only"] = network_only(args.model, paths)
    text = table(results)
    one = results["offline_batch1"]["images_per_s"]
    text += f" Offline at batch 1: {one:.1f} images/s."
    rates = results["network_only"]["images_per_s_by_batch"]
    text += (
        " Network alone, images/s by batch size: "
        + ", ".join(f"{k}: {v:.0f}" for k, v in rates.items())
        + "."
    )
    results["table"] = text
    results["load_avg_1m_end"] = os.getloadavg()[0]
    report(text, results, args.json)


if __name__ == "__main__":
    main()
