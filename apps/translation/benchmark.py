"""Measure translation speed: ``model.translate`` in process and the whole ``zoo translate``.

Sentences: the source side of Multi30k ``test_2016_flickr`` (1,000 sentences; the source
language is the model's ``languages[0]``), or of any folder ``--data`` and ``--split`` name
(e.g. ``$ZOO_DATA/tatoeba/eng-fra --split test``), read once before timing. In process:
``model.translate(sentences, beam=B, batch_size=N)`` for greedy (beam 1) and beam 5, after
``--warmup`` untimed passes (graph tracing / compilation); the median of ``--repeats`` timed
passes gives sentences/s and target tokens/s (tokens = the outputs' subword pieces, eos
included, counted with the model's tokenizer). Command: the wall time of one
``python -m zoo translate --model M --input FILE --beam 5`` process, start-up and model
loading included, and its sentences/s. BLEU of the timed outputs (sacreBLEU, when installed)
shows the model translates. Prints a markdown table; ``--json`` also writes the numbers with
the machine they were measured on.

The default model is ``rnnsearch-multi30k-en-de`` from ``weights/manifest.json``; ``--model``
takes another name or any translation ``.keras`` path.

Example:
    $ python apps/translation/benchmark.py --json apps/translation/results/benchmark.json
    $ python apps/translation/benchmark.py --model runs/rnnsearch-multi30k-en-de/best.keras \\
          --limit 200 --repeats 1
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from zoo import benchmarking
from zoo.benchmarking import provenance, report, time_calls, time_command

DEFAULT_MODEL = "rnnsearch-multi30k-en-de"
DEFAULT_SPLIT = "test_2016_flickr"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see ``--help``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=DEFAULT_MODEL, help="trained model name or .keras path")
    p.add_argument("--data", type=Path, default=None, help="[default: $ZOO_DATA/multi30k]")
    p.add_argument(
        "--split", default=DEFAULT_SPLIT, help="{split}.{lang}[.gz] or {split}.tsv to read"
    )
    p.add_argument("--limit", type=int, default=None, help="first N sentences [default: all]")
    p.add_argument("--beams", type=int, nargs="+", default=[1, 5], help="1: greedy")
    p.add_argument("--batch-size", type=int, default=64, help="sentences per search batch")
    p.add_argument("--warmup", type=int, default=1, help="untimed passes per beam size")
    p.add_argument("--repeats", type=int, default=3, help="timed passes per beam size")
    p.add_argument("--cli-beam", type=int, default=5, help="--beam of the zoo translate run")
    p.add_argument("--no-cli", action="store_true", help="skip the zoo translate process run")
    p.add_argument("--json", type=Path, default=None, help="write the results to this file")
    return p.parse_args(argv)


def resolve_model(name: str):
    """The model to time: a manifest name or a ``.keras`` path (``SystemExit`` otherwise).

    Example:
        >>> model = resolve_model("rnnsearch-multi30k-en-de")  # doctest: +SKIP
    """
    import zoo
    from zoo.errors import ZooError
    from zoo.weights import manifest

    if name == DEFAULT_MODEL and name not in manifest() and not Path(name).is_file():
        raise SystemExit(
            f"benchmark: {name} is not in weights/manifest.json yet; pass --model PATH.keras"
        )
    try:
        model = zoo.load(name)
    except ZooError as exc:
        raise SystemExit(f"benchmark: {exc}") from None
    if getattr(model, "task", None) != "translation":
        raise SystemExit(f"benchmark: {name} is not a translation model")
    if model.languages is None:
        raise SystemExit(f"benchmark: {name} does not record its languages (source_language)")
    return model


def count_tokens(tokenizer, outputs: list[str]) -> int:
    """Target tokens of ``outputs``: subword pieces plus one eos per sentence.

    Example:
        >>> count_tokens(model.tokenizer, ["Ein Hund rennt."])  # doctest: +SKIP
        5
    """
    return sum(len(ids) for ids in tokenizer.encode(list(outputs), add_eos=True))


def time_translate(model, sentences: list[str], beam: int, batch_size: int, warmup: int,
                   repeats: int) -> tuple[dict, list[str]]:  # fmt: skip
    """Median seconds of ``model.translate`` over ``repeats`` passes; also the outputs.

    Example:
        >>> row, outputs = time_translate(model, sentences, 5, 64, 1, 3)  # doctest: +SKIP
        >>> row["sentences_per_s"]  # doctest: +SKIP
        41.2
    """
    timing, outputs = time_calls(
        lambda: model.translate(sentences, beam=beam, batch_size=batch_size), warmup, repeats
    )
    tokens = count_tokens(model.tokenizer, outputs)
    row = {
        "beam": beam,
        "batch_size": batch_size,
        "sentences": len(sentences),
        "target_tokens": tokens,
        **timing,
        "sentences_per_s": len(sentences) / timing["median_s"],
        "tokens_per_s": tokens / timing["median_s"],
    }
    return row, outputs


def time_cli(model_arg: str, input_file: Path, n: int, beam: int, batch_size: int,
             workdir: Path) -> dict:  # fmt: skip
    """Wall time of one ``python -m zoo translate --input FILE`` process (start-up included).

    Example:
        >>> time_cli("rnnsearch-multi30k-en-de", Path("test.en"), 1000, 5, 64, Path("/tmp"))
        ... # doctest: +SKIP
        {'beam': 5, 'batch_size': 64, 'sentences': 1000, 'wall_s': 31.0, ...}
    """
    out = workdir / f"out_beam{beam}.txt"
    cmd = [sys.executable, "-m", "zoo", "translate", "--model", model_arg, "--input",
           str(input_file), "--beam", str(beam), "--batch-size", str(batch_size),
           "--output", str(out)]  # fmt: skip
    wall = time_command(cmd, "zoo translate")
    written = len(out.read_text(encoding="utf-8").splitlines())
    if written != n:
        raise SystemExit(f"benchmark: zoo translate wrote {written} lines for {n} sentences")
    return {
        "beam": beam,
        "batch_size": batch_size,
        "sentences": n,
        "wall_s": wall,
        "sentences_per_s": n / wall,
    }


def bleu_of(outputs: list[str], references: list[str]) -> float | None:
    """sacreBLEU of ``outputs`` (``None`` when sacrebleu is not installed)."""
    try:
        from zoo.translation.bleu import corpus_scores

        return round(corpus_scores(outputs, references)["bleu"], 2)
    except ImportError:
        return None


def machine() -> dict:
    """The device the numbers come from: CPU, cores, load, backend, threads and versions."""
    return benchmarking.machine(tf_threads=("intra_op",))


def markdown(results: dict) -> str:
    """The results as a markdown table with a line saying what was measured where."""
    m = results["machine"]
    where = ", ".join(m["gpus"]) or f"{m['cpu']}, {m['cpu_count']} cores"
    src, tgt = results["languages"]
    lines = [
        f"Model `{results['model']}` ({src} -> {tgt}), {results['sentences']} sentences of "
        f"`{results['split']}`, Keras {m['keras']} ({m['backend']}) on {where} "
        f"(1-min load average {m['load_avg_1m']:.1f}).",
        "",
        "| measure | beam | batch | sentences | time (s) | sentences/s | target tokens/s | BLEU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results["in_process"]:
        bleu = "" if r.get("bleu") is None else f"{r['bleu']:.1f}"
        lines.append(
            f"| `model.translate`, median of {r['repeats']} | {r['beam']} | {r['batch_size']} "
            f"| {r['sentences']} | {r['median_s']:.2f} | {r['sentences_per_s']:.1f} "
            f"| {r['tokens_per_s']:.0f} | {bleu} |"
        )
    for r in results["cli"]:
        lines.append(
            f"| `zoo translate` process, wall incl. start-up | {r['beam']} | {r['batch_size']} "
            f"| {r['sentences']} | {r['wall_s']:.2f} | {r['sentences_per_s']:.1f} | | |"
        )
    lines += ["", "Target tokens: the outputs' subword pieces, eos included."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; prints the table, writes ``--json``, returns the results.

    Example:
        >>> main(["--limit", "100", "--repeats", "1", "--no-cli"])  # doctest: +SKIP
    """
    args = parse_args(argv)
    if min(args.beams) < 1 or args.batch_size < 1 or args.repeats < 1 or args.warmup < 0:
        raise SystemExit("benchmark: beams, --batch-size and --repeats must be >= 1")
    if args.limit is not None and args.limit < 1:
        raise SystemExit("benchmark: --limit must be >= 1")
    from zoo.data.paths import data_root
    from zoo.errors import DataError
    from zoo.translation.data import read_pairs

    model = resolve_model(args.model)
    src_lang, tgt_lang = model.languages
    folder = args.data or data_root() / "multi30k"
    try:
        sources, references = read_pairs(folder, args.split, src_lang, tgt_lang, limit=args.limit)
    except DataError as exc:
        raise SystemExit(f"benchmark: {exc} (set ZOO_DATA or --data)") from None
    results: dict = {
        "model": args.model,
        "languages": [src_lang, tgt_lang],
        "data": str(Path(folder).resolve()),
        "split": args.split,
        "sentences": len(sources),
        **provenance("apps/translation/benchmark.py", argv, machine()),
        "in_process": [],
        "cli": [],
    }
    for beam in args.beams:
        row, outputs = time_translate(
            model, sources, beam, args.batch_size, args.warmup, args.repeats
        )
        row["bleu"] = bleu_of(outputs, references)
        results["in_process"].append(row)
        speed = f"{row['sentences_per_s']:.1f} sentences/s"
        print(f"benchmark: translate beam {beam}: {speed}", file=sys.stderr)
    if not args.no_cli:
        with tempfile.TemporaryDirectory(prefix="zoo_bench_") as tmp:
            input_file = Path(tmp) / f"{args.split}.{src_lang}"
            input_file.write_text("".join(f"{s}\n" for s in sources), encoding="utf-8")
            results["cli"].append(
                time_cli(
                    args.model, input_file, len(sources), args.cli_beam, args.batch_size, Path(tmp)
                )
            )
    report(markdown(results), results, args.json)
    return results


if __name__ == "__main__":
    main()
