"""Translation speed: Keras against the ONNX and LiteRT exports, same sentences, same run.

Translates the first ``--sentences`` Multi30k val sentences with ``rnnsearch-multi30k-en-de``
(beam 5) through ``zoo.load(...)``: the Keras model (whole search in one compiled
``tf.function``) and the ONNX / LiteRT exports (encoder and decoder step in the runtime, beam
search in numpy, :mod:`zoo.translation.numpy_search`), at batch 1 and batched. Each measure
makes ``--warmup`` untimed passes and ``--repeats`` timed ones; the median pass gives
sentences/s. Also reports each runtime's BLEU on those sentences and whether its outputs are
identical to Keras'. Prints a markdown table naming the CPU; ``--json`` also
writes the numbers.

Example:
    $ python apps/deploy/benchmark_translation.py --sentences 64 --exported runs/mt_exports \\
          --json apps/deploy/results/benchmark_translation.json
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from zoo import benchmarking
from zoo.benchmarking import machine, provenance, report, time_calls

RUNTIMES = ("keras", "onnx", "litert")
SUFFIXES = {"onnx": ".onnx", "litert": ".tflite"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="rnnsearch-multi30k-en-de")
    p.add_argument("--runtimes", nargs="+", default=list(RUNTIMES), choices=RUNTIMES)
    p.add_argument("--sentences", type=int, default=64, help="val sentences per pass")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32])
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--exported", type=Path, default=Path("runs/mt_exports"),
                   help="folder of the exports (made there when missing)")  # fmt: skip
    p.add_argument("--json", type=Path, default=None)
    return p.parse_args(argv)


def load(name: str, runtime: str, folder: Path):
    """``name`` running in ``runtime`` (exported into ``folder`` when not there yet)."""
    import zoo

    if runtime == "keras":
        return zoo.load(name)
    path = folder / f"{name}{SUFFIXES[runtime]}"
    if not path.is_file():
        from zoo.export import export_model

        print(f"benchmark: exporting {name} to {runtime} ({path})", file=sys.stderr)
        export_model(name, runtime, path)
    return zoo.load(path)


def markdown(results: dict) -> str:
    lines = [
        f"{benchmarking.runtimes_line(results['machine'])}; {results['model']}, beam "
        f"{results['beam']}, {results['sentences']} Multi30k val sentences a pass, median of "
        f"{results['repeats']}.",
        "",
        "| runtime | batch | sentences/s | x Keras | BLEU | outputs = Keras |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = results["rows"]
    ratios = benchmarking.ratios_to_reference(rows, "sentences_per_s", lambda r: r["batch_size"])
    for r, ratio in zip(rows, ratios, strict=True):
        same = f"{r['identical']}/{results['sentences']}"
        lines.append(f"| {r['runtime']} | {r['batch_size']} | {r['sentences_per_s']:.1f} "
                     f"| {ratio} | {r['bleu']:.2f} | {same} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    import zoo
    from zoo.data.paths import data_root
    from zoo.translation.bleu import corpus_scores
    from zoo.translation.data import read_parallel_folder

    device = machine(benchmarking.runtime_versions())
    results = {**provenance("apps/deploy/benchmark_translation.py", argv, device), "rows": []}
    results.update(model=args.model, beam=args.beam, sentences=args.sentences,
                   repeats=args.repeats, warmup=args.warmup)  # fmt: skip
    languages = zoo.load(args.model).languages
    sources, refs = read_parallel_folder(data_root() / "multi30k", "val", *languages)
    sources, refs = sources[: args.sentences], refs[: args.sentences]
    if not sources:
        raise SystemExit(f"benchmark: no Multi30k val in {data_root()} (set ZOO_DATA)")
    reference = None
    for runtime in args.runtimes:
        model = load(args.model, runtime, args.exported)
        for b in args.batch_sizes:
            run = partial(model.translate, sources, beam=args.beam, batch_size=b)
            timing, hyps = time_calls(run, args.warmup, args.repeats)
            reference = hyps if reference is None and runtime == "keras" else reference
            speed = len(sources) / timing["median_s"]
            same = sum(h == k for h, k in zip(hyps, reference, strict=True)) if reference else 0
            results["rows"].append({"runtime": runtime, "batch_size": b, **timing,
                                    "sentences_per_s": speed, "identical": same,
                                    "bleu": corpus_scores(hyps, refs)["bleu"]})  # fmt: skip
            print(f"benchmark: {runtime} batch {b}: {speed:.1f} sentences/s", file=sys.stderr)
    report(markdown(results), results, args.json)
    return results


if __name__ == "__main__":
    main()
