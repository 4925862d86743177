"""Train each application's model for a few hundred steps under JAX; print examples/s and MFU.

MFU (model FLOP utilisation) = model FLOPs per step / measured seconds per step / the devices'
peak FLOP/s. Model FLOPs per step are 3x the forward pass (backward = 2x forward), the
forward counted by XLA's cost analysis of the compiled model (on the CPU too). The peak comes
from ``--peak-tflops`` (per device) or the table below (dense bf16, the usual denominator); on
a device it does not know (a CPU) the peak is unknown and MFU is ``null`` ("n/a"). Data are
fixed random batches in numpy (the smoke measures the train step, not the readers);
``--devices N`` trains data parallel through the same path as ``zoo train --devices N``.

Example (the CPU check the tests run; on a GPU drop ``--tiny`` and ``--steps``)::

    KERAS_BACKEND=jax python tools/gpu_smoke.py --tiny --steps 3 --warmup 1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# dense bf16 TFLOP/s per device (vendor data sheets), matched on jax's device_kind
PEAK_TFLOPS = {
    "H200": 989.0,
    "H100": 989.0,
    "A100": 312.0,
    "L40S": 362.0,
    "L4": 121.0,
    "A10": 125.0,
    "V100": 125.0,
    "T4": 65.0,
}


def device_peak(kind: str) -> float | None:
    """Peak TFLOP/s of a device named ``kind`` (``jax.devices()[0].device_kind``), or None."""
    for name, peak in PEAK_TFLOPS.items():
        if name.lower() in kind.lower():
            return peak
    return None


def batches(task: str, batch: int, tiny: bool):
    """A fixed random training batch ``(x, y)`` and the model for ``task``."""
    import numpy as np

    from zoo.api import create_model

    rng = np.random.default_rng(0)
    if task == "segmentation":
        size = 64 if tiny else 352
        cfg = (
            {"backbone": "litenet", "backbone_config": {"widths": [8, 8, 16, 16, 16]}}
            if tiny
            else {"backbone": "litenet"}
        )
        model = create_model("fcn8s", num_classes=11, **cfg)
        x = rng.uniform(0, 255, (batch, size, size, 3)).astype("float32")
        y = rng.integers(0, 11, (batch, size, size)).astype("int32")
        from zoo.segmentation.train import compile_segmentation

        compile_segmentation(model, "adam", None, jit_compile=True)
        return model, x, y
    if task == "detection":
        size = 64 if tiny else 416
        kw = {"input_size": [size, size]}
        if tiny:
            kw.update(
                strides=[16, 32],
                backbone_config={"widths": [8, 8, 16, 16, 16], "depths": [1, 1, 1, 1, 1]},
                neck_channels=[8, 16, 16],
            )
        model = create_model("yolov3-lite", num_classes=80, **kw)
        from zoo.detection.targets import batch_targets

        boxes = []
        for _ in range(batch):
            xy = rng.uniform(0, size * 0.6, (4, 2))
            wh = rng.uniform(8, size * 0.4, (4, 2))
            boxes.append((np.concatenate([xy, xy + wh], 1).astype("float32"), np.arange(4)))
        y = batch_targets(boxes, (size, size), model.strides, model.anchors, model.num_classes, 100)
        x = rng.uniform(0, 255, (batch, size, size, 3)).astype("float32")
        model.compile(optimizer="adam", jit_compile=True)
        return model, x, y
    from zoo.translation.losses import SmoothedCrossEntropy
    from zoo.translation.rnnsearch import RNNSearch

    vocab, length = (64, 8) if tiny else (8000, 32)
    dims = (8, 12, 8) if tiny else (620, 1000, 500)
    model = RNNSearch(vocab_size=vocab, embedding_dim=dims[0], units=dims[1], maxout_units=dims[2])
    src = rng.integers(3, vocab, (batch, length)).astype("int32")
    tgt = rng.integers(3, vocab, (batch, length + 1)).astype("int32")
    model.compile(optimizer="adam", loss=SmoothedCrossEntropy(0.1), jit_compile=True)
    return model, (src, tgt[:, :-1]), tgt[:, 1:]


def forward_flops(model, x) -> float | None:
    """XLA's count of the forward pass' FLOPs on batch ``x`` (None when unavailable)."""
    import jax

    def forward(trainable, non_trainable, inputs):
        return model.stateless_call(trainable, non_trainable, inputs, training=False)[0]

    try:
        lowered = jax.jit(forward).lower(
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            x,
        )
        cost = lowered.compile().cost_analysis()
    except Exception as exc:  # a backend without cost analysis
        print(f"gpu_smoke: no FLOP count ({exc})", file=sys.stderr)
        return None
    cost = cost[0] if isinstance(cost, list | tuple) else cost
    flops = (cost or {}).get("flops")
    return float(flops) if flops and flops > 0 else None


class Repeat:
    """``steps`` copies of one batch, as a Keras ``PyDataset``."""

    def __new__(cls, x, y, steps):
        import keras

        class _Repeat(keras.utils.PyDataset):
            def __len__(self):
                return steps

            def __getitem__(self, index):
                return x, y

        return _Repeat()


def measure(task: str, batch: int, steps: int, warmup: int, tiny: bool, peak: float | None):
    """Train ``warmup`` steps (compiling), then time ``steps``; returns the result record."""
    import keras

    model, x, y = batches(task, batch, tiny)
    model(x, training=False)  # build
    flops = forward_flops(model, x)
    model.fit(Repeat(x, y, warmup), epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(Repeat(x, y, steps), epochs=1, verbose=0)
    seconds = (time.perf_counter() - start) / steps
    replicas = keras.distribution.distribution()
    devices = len(replicas.device_mesh.devices.flat) if replicas is not None else 1
    record = {
        "task": task,
        "batch": batch,
        "steps": steps,
        "s_per_step": round(seconds, 5),
        "examples_per_s": round(batch / seconds, 1),
        # unrounded: a tiny CPU model's step is a few MFLOP (0.0 at 4 decimals of a TFLOP)
        "model_tflop_per_step": None if flops is None else 3 * flops / 1e12,
        "mfu": None,
        "devices": devices,
    }
    if flops is not None and peak:
        record["mfu"] = 3 * flops / seconds / (peak * 1e12 * devices)
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="segmentation,detection,translation")
    parser.add_argument("--steps", type=int, default=300, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps (compilation)")
    parser.add_argument("--batch", type=int, default=None, help="global batch (default per task)")
    parser.add_argument("--devices", type=int, default=1, help="local devices, data parallel")
    parser.add_argument("--peak-tflops", type=float, default=None, help="peak TFLOP/s per device")
    parser.add_argument("--tiny", action="store_true", help="tiny models (the CPU check)")
    parser.add_argument("--json", default=None, help="also write the records to this file")
    args = parser.parse_args(argv)

    from zoo.training.flags import cpu_device_flag

    cpu_device_flag(args.devices)
    import jax

    from zoo.training.run import start_run

    start_run(args.devices)
    kind = jax.devices()[0].device_kind
    peak = args.peak_tflops or device_peak(kind)
    print(f"gpu_smoke: {jax.device_count()} x {kind}, peak {peak or 'unknown'} TFLOP/s per device")
    defaults = {"segmentation": 16, "detection": 32, "translation": 64}
    records = []
    for task in args.tasks.split(","):
        batch = args.batch or (2 * args.devices if args.tiny else defaults[task])
        record = measure(task, batch, args.steps, args.warmup, args.tiny, peak)
        records.append(record)
        mfu = "n/a" if record["mfu"] is None else f"{100 * record['mfu']:.3g}%"
        print(
            f"{task:12s} batch {batch:4d}  {record['examples_per_s']:10.1f} examples/s  "
            f"{record['s_per_step'] * 1000:9.1f} ms/step  MFU {mfu}",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
