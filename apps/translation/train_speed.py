"""Measure RNNsearch training speed (target subwords per second) per backend, precision and
batching.

For a translation recipe, each backend (TensorFlow, JAX) runs in its own process: the recipe's
tokenizer (``--spm``, e.g. the run's ``spm.model``; else one trained on the sample), model sizes
and optimiser, ``model.fit`` on a random sample of the recipe's training pairs for ``--steps``
steps, batched as the recipe says (or by each ``--max-tokens`` budget) and, with
``--batch-sizes``, with fixed batch sizes too. The
first ``--skip`` steps (tracing, compilation) are not timed; the others give target subwords
per second (real tokens, padding excluded) and the projected time of one epoch over all of the
recipe's training pairs. ``--onednn off on`` times TensorFlow with its oneDNN CPU kernels off
and on (``TF_ENABLE_ONEDNN_OPTS``), ``--policies`` each Keras dtype policy (``mixed_bfloat16``:
float32 weights, bfloat16 compute).

Example:
    $ python apps/translation/train_speed.py apps/translation/recipes/rnnsearch_en_fr.toml \\
          --spm runs/rnnsearch-en-fr/spm.model --json apps/translation/results/train_speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see ``--help``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("recipe", type=Path, help="a translation recipe (.toml)")
    p.add_argument("--spm", type=Path, default=None, help="SentencePiece model to use")
    p.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    p.add_argument("--batch-sizes", type=int, nargs="*", default=[64], help="fixed batch sizes")
    p.add_argument(
        "--max-tokens",
        type=int,
        nargs="*",
        default=None,
        help="length-bucketed batches of about N subwords each [default: the recipe's]",
    )
    p.add_argument("--sample", type=int, default=20000, help="training pairs to sample")
    p.add_argument("--steps", type=int, default=40, help="training steps per setting")
    p.add_argument("--skip", type=int, default=10, help="untimed first steps")
    p.add_argument(
        "--policies",
        nargs="+",
        default=["float32"],
        choices=["float32", "mixed_bfloat16", "mixed_float16"],
        help="Keras dtype policies of the model (mixed: float32 weights, lower-precision compute)",
    )
    p.add_argument(
        "--onednn",
        nargs="+",
        default=[None],
        choices=["off", "on"],
        help="TensorFlow's oneDNN CPU kernels (TF_ENABLE_ONEDNN_OPTS) [default: as the "
        "environment says]",
    )
    p.add_argument("--json", type=Path, default=None, help="write the results to this file")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # one setting, as JSON
    return p.parse_args(argv)


def _config(recipe: Path) -> dict:
    from zoo.training.recipe import load_recipe
    from zoo.translation.recipe import flatten_recipe
    from zoo.translation.train import resolve_config

    return resolve_config(flatten_recipe(load_recipe(recipe)))


def measure(args: argparse.Namespace, setting: dict) -> dict:
    """Train ``--steps`` steps in this process with ``setting`` (batching); the timing."""
    import keras
    import numpy as np

    from zoo.translation.batcher import TranslationBatches, encode_pairs
    from zoo.translation.tokenizer import SubwordTokenizer
    from zoo.translation.train import build_model, load_pairs

    cfg = _config(args.recipe)
    src, tgt = load_pairs(cfg, "train")
    pick = np.random.default_rng(0).permutation(len(src))[: args.sample]
    sample_src, sample_tgt = [src[i] for i in pick], [tgt[i] for i in pick]
    if args.spm:
        tok = SubwordTokenizer.from_file(args.spm, max_tokens=cfg["max_length"])
    else:
        tok = SubwordTokenizer.train(
            sample_src + sample_tgt, cfg["vocab_size"], max_tokens=cfg["max_length"]
        )
    batches = TranslationBatches(
        *encode_pairs(tok, sample_src, sample_tgt),
        batch_size=setting["batch_size"] or cfg["batch_size"],
        max_tokens=setting["max_tokens"],
        max_length=cfg["max_length"],
    )
    keras.mixed_precision.set_global_policy(setting["policy"])
    model = build_model(cfg, tok)
    times: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    steps = min(args.steps, len(batches))
    model.fit(batches, epochs=1, steps_per_epoch=steps, callbacks=[Timer()], verbose=0)
    tokens = [float(batches[i][2].sum()) for i in range(steps)][args.skip :]
    timed = times[args.skip :]
    rate = sum(tokens) / sum(timed)
    epoch_tokens = sum(len(t) - 1 for t in encode_pairs(tok, src, tgt)[1])
    return {
        **setting,
        "backend": keras.backend.backend(),
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        "tokens_per_s": rate,
        "median_step_s": float(np.median(timed)),
        "epoch_target_tokens": epoch_tokens,
        "epoch_minutes": epoch_tokens / rate / 60,
    }


def main(argv: list[str] | None = None) -> None:
    """Run every setting in a process of its own and print the table."""
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(measure(args, json.loads(args.worker))))
        return
    from zoo.benchmarking import provenance, report

    cfg = _config(args.recipe)
    budgets = args.max_tokens if args.max_tokens is not None else [cfg["max_tokens"]]
    batchings = [{"batch_size": None, "max_tokens": n} for n in budgets if n]
    batchings += [{"batch_size": b, "max_tokens": None} for b in args.batch_sizes]
    runs = []
    for backend in args.backends:
        for onednn in args.onednn if backend == "tensorflow" else [None]:
            runs += [
                (backend, onednn, {**b, "policy": p}) for p in args.policies for b in batchings
            ]
    rows = []
    for backend, onednn, setting in runs:
        cmd = [sys.executable, __file__, *(argv or sys.argv[1:]), "--worker"]
        cmd.append(json.dumps(setting))
        env = {**os.environ, "KERAS_BACKEND": backend}
        if onednn is not None:
            env["TF_ENABLE_ONEDNN_OPTS"] = "1" if onednn == "on" else "0"
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            raise SystemExit(f"train_speed: {backend} {setting} failed: {tail}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    head = (
        "| backend | oneDNN | policy | batches | target subwords/s | s/step (median) "
        "| epoch (min) |"
    )
    lines = [head, "|---|---|---|---|---|---|---|"]
    onednn_names = {"0": "off", "1": "on", None: "default"}
    for r in rows:
        batching = f"{r['max_tokens']} tokens" if r["max_tokens"] else f"{r['batch_size']} pairs"
        onednn = onednn_names.get(r["onednn"], r["onednn"]) if r["backend"] == "tensorflow" else "-"
        lines.append(
            f"| {r['backend']} | {onednn} | {r['policy']} | {batching} | {r['tokens_per_s']:.0f} | "
            f"{r['median_step_s']:.2f} | {r['epoch_minutes']:.0f} |"
        )
    table = "\n".join(lines)
    results = {**provenance("apps/translation/train_speed.py"), "rows": rows, "table": table}
    report(table, results, args.json)


if __name__ == "__main__":
    main()
