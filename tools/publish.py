"""Publish a trained run as a project model: weights file + manifest record with measured metrics.

Re-saves the chosen checkpoint without optimizer state as ``weights/<name>.keras`` (weights
stored as float16 unless ``--storage float32``; the model loads and runs in float32, see
``zoo/half_precision.py``), evaluates that file with ``zoo eval`` (the exact command is
recorded) and writes the manifest record.

Example:
    python tools/publish.py fcn8s-camvid --checkpoint runs/fcn8s-camvid/best.keras \
        --data '$ZOO_DATA/camvid' --split val --dataset CamVid --licence "CC BY-NC 4.0" \
        --train-command "zoo train apps/segmentation/recipes/fcn8s_camvid.toml"
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def preprocessing_of(model) -> dict | None:
    """What the model does to its input before the network (saved inside the model)."""
    if getattr(model, "tokenizer", None) is not None:
        return {
            "tokenizer": "SentencePiece (saved in the .keras file)",
            "vocab_size": int(model.tokenizer.vocab_size),
            "languages": list(model.languages or ()),
            "detokenised_output": True,
        }
    return getattr(model, "preprocessing", None)


def run_eval(eval_command: str) -> dict | None:
    """Run a ``zoo eval ... --json`` command line (``$ZOO_DATA`` expanded); its JSON or None."""
    expanded = os.path.expandvars(
        eval_command.replace("$ZOO_DATA", os.environ.get("ZOO_DATA", "../shared/data"))
    )
    print(f"evaluating: {expanded}", file=sys.stderr)
    result = subprocess.run(shlex.split(expanded), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--data", required=True, help="dataset folder as written in the command")
    parser.add_argument("--split", default="val")
    parser.add_argument("--dataset", required=True, help="dataset description")
    parser.add_argument("--licence", required=True, help="the dataset's licence")
    parser.add_argument("--train-command", required=True)
    parser.add_argument("--recipe", required=True)
    parser.add_argument("--extra-eval-args", default="")
    parser.add_argument("--notes", default="")
    parser.add_argument("--storage", choices=("float16", "float32"), default="float16")
    parser.add_argument(
        "--also-data",
        default=None,
        help="a second dataset scored with the same file (a driving model's other task: "
        "its metrics go under metrics[<that task>]; another test set: metrics[<its split>])",
    )
    parser.add_argument("--also-split", default="val")
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="one more record field, VALUE read as JSON when it is JSON, else as text "
        "(a translation model's domain=general, default=true)",
    )
    args = parser.parse_args(argv)

    from zoo.api import load_model_file
    from zoo.half_precision import save_half_precision
    from zoo.training.checkpoint import save_model_atomic
    from zoo.weights import weights_dir

    model = load_model_file(args.checkpoint, compile=False)
    model.trainable = True  # layers frozen by a recipe (train.freeze) are a training choice
    out = weights_dir() / f"{args.name}.keras"
    if args.storage == "float16":
        save_half_precision(model, out)
    else:
        save_model_atomic(model, out)
    extra = f" {args.extra_eval_args}" if args.extra_eval_args else ""
    eval_command = (
        f"zoo eval weights/{out.name} --data {args.data} --split {args.split}{extra} --json"
    )
    fields = dict(weights_storage=args.storage, train_command=args.train_command)
    fields.update(recipe=args.recipe, dataset=args.dataset, dataset_licence=args.licence)
    fields.update(record_fields(args.field))
    return publish(args, model, eval_command, fields)


def record_fields(items: list[str]) -> dict:
    """``["domain=general", "default=true"]`` -> ``{"domain": "general", "default": True}``."""
    fields = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"--field {item!r}: give KEY=VALUE")
        try:
            fields[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            fields[key.strip()] = value
    return fields


def publish(args: argparse.Namespace, model, eval_command: str, fields: dict) -> int:
    """Evaluate ``weights/<args.name>.keras`` with ``eval_command`` and write its manifest
    record: what every record holds, measured here, then ``fields``; prints the metrics.
    Returns 1 when the evaluation failed (nothing written), else 0."""
    from zoo.weights import manifest, sha256_of, weights_dir, write_manifest

    name, split, notes = args.name, args.split, args.notes
    out = weights_dir() / f"{name}.keras"
    metrics = run_eval(eval_command)
    if metrics is None:
        return 1
    also_data = getattr(args, "also_data", None)
    if also_data:
        extra = f" {args.extra_eval_args}" if getattr(args, "extra_eval_args", "") else ""
        also_split = f"--split {args.also_split}{extra}"
        also_command = f"zoo eval weights/{out.name} --data {also_data} {also_split} --json"
        also = run_eval(also_command)
        if also is None:
            return 1
        # a driving model's other task goes under its task's name, a second translation
        # test set under its split's name
        key = also.pop("task", None) if "task" in metrics else None
        metrics.pop("task", None)
        metrics[key or args.also_split] = also
        eval_command += f" && {also_command}"
    records = manifest()
    records[name] = {
        "file": out.name,
        "sha256": sha256_of(out),
        "size_bytes": out.stat().st_size,
        "task": model.task,
        "architecture": model.architecture_name(),
        "config": {k: v for k, v in model.get_config().items() if k not in ("name", "trainable")},
        "preprocessing": preprocessing_of(model),
        "classes": list(model.class_names) if hasattr(model, "class_names") else None,
        "metrics": metrics,
        "eval_split": split,
        "eval_command": eval_command.replace(f"weights/{out.name}", name),
        **fields,
        "num_params": int(model.count_params()),
        "notes": notes,
    }
    write_manifest(records)
    print(json.dumps(records[name]["metrics"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
