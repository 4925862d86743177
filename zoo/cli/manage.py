"""Model management: ``zoo list``, ``zoo info``, ``zoo convert``, ``zoo export``,
``zoo average``."""

from __future__ import annotations

import json

import click

from zoo.cli.common import setup_backend
from zoo.cli.options import beam_option
from zoo.progress import Progress, quiet_option

LIST_FIELDS = ("task", "file", "sha256", "dataset", "classes", "metrics")


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--all", "show_all", is_flag=True, help="Also list architectures without weights.")
def list_(as_json, show_all):
    """List the trained models: name, task, file, sha256, dataset, classes, metrics."""
    from zoo.weights import manifest

    rows = [
        {"name": name, **{k: rec.get(k) for k in LIST_FIELDS}} for name, rec in manifest().items()
    ]
    if show_all:
        setup_backend()  # the architectures' modules import Keras
        from zoo.registry import architectures

        rows += [
            {
                "name": a.name,
                "task": a.task,
                "file": None,
                "sha256": None,
                "dataset": None,
                "classes": None,
                "metrics": None,
            }
            for a in architectures().values()
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        metrics = row["metrics"] or {}
        main = {k: v for k, v in metrics.items() if isinstance(v, int | float)}
        shown = ", ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in main.items()
        )
        click.echo(f"{row['name']:<32} {row['task']:<13} {row['file'] or '-':<28} {shown}")


@click.command()
@click.argument("model_name", metavar="MODEL")
def info(model_name):
    """Show a model's record (weights, metrics, recipe) and its structure."""
    from zoo.weights import manifest

    record = manifest().get(model_name)
    if record is not None:
        click.echo(json.dumps({"name": model_name, **record}, indent=2))
        return
    setup_backend()
    from zoo.api import load

    model = load(model_name)
    click.echo(
        json.dumps(
            {
                "name": model_name,
                "class": type(model).__name__,
                "task": getattr(model, "task", None),
                "num_params": model.count_params(),
                "config": model.get_config(),
            },
            indent=2,
            default=str,
        )
    )


@click.command()
@click.argument("kind", type=click.Choice(["darknet"]))
@click.argument("cfg", type=click.Path(exists=True, dir_okay=False))
@click.argument("weights", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--names",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Class names file, one a line (e.g. coco.names).",
)
@click.option("--out", "out_path", required=True, help="Output .keras file.")
@quiet_option
def convert(kind, cfg, weights, names, out_path):
    """Convert a Darknet CFG + WEIGHTS into a full zoo detector (.keras)."""
    setup_backend()
    from zoo.detection.convert import convert_darknet

    convert_darknet(cfg, weights, names, out_path)
    click.echo(f"wrote {out_path}")


def _size(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        h, w = (int(v) for v in value.lower().split("x"))
        if h > 0 and w > 0:
            return h, w
    except ValueError:
        pass
    raise click.BadParameter(f"{value!r}: give HxW, e.g. 360x480", param_hint="--size")


def _batch(value: str) -> int | None:
    if value == "dynamic":
        return None
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise click.BadParameter(
        f"{value!r}: give a positive number or 'dynamic'", param_hint="--batch"
    )


@click.command()
@click.argument("model_name", metavar="MODEL")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["keras", "tf_saved_model", "onnx", "litert"]),
    default="keras",
    show_default=True,
)
@click.option(
    "--out",
    "out_path",
    required=True,
    help="Output file (.keras, .onnx, .tflite) or folder (SavedModel).",
)
@click.option("--size", default=None, metavar="HxW", help="Fixed input image size [default: any].")
@click.option("--batch", default="dynamic", show_default=True, metavar="N|dynamic")
@beam_option("Translation beam.")
@click.option(
    "--int8",
    is_flag=True,
    help="LiteRT: quantise the network to int8 (pre/post-processing stay float).",
)
@click.option(
    "--calibration",
    default=None,
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False),
    help="Folder of real images to calibrate --int8 on (64 drawn evenly).",
)
@quiet_option
def export(model_name, fmt, out_path, size, batch, beam, int8, calibration):
    """Export MODEL whole (pre- and post-processing inside) for another runtime.

    Detection: uint8 images -> boxes in input pixels, scores, classes, num_detections.
    Segmentation: uint8 images -> class-index masks of the input size. Translation:
    tf_saved_model, SentencePiece ids -> ids, beam search inside, tokenizer in assets/;
    onnx/litert, PATH is the encoder, with STEM.decoder_step.onnx|.tflite (one decoder step)
    and STEM.sentencepiece.model next to it (beam search in numpy, by zoo.load).
    The file loads back with zoo.load(PATH) and every --model option.
    """
    size, batch = _size(size), _batch(batch)
    if int8 and (fmt != "litert" or calibration is None):
        raise click.UsageError("--int8 needs --format litert and --calibration DIR")
    if calibration is not None and not int8:
        raise click.UsageError("--calibration goes with --int8")
    setup_backend()
    from zoo.api import load
    from zoo.export import export_model

    bar = Progress(total=1, desc=f"export {fmt}", unit="model")
    path = export_model(
        model_name, fmt, out_path, size, batch, beam, model=load(model_name),
        calibration=calibration,
    )  # fmt: skip
    bar.update(1)
    bar.close()
    click.echo(f"wrote {path}")


@click.command()
@click.argument("checkpoints", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_path", required=True, help="Output .keras file (written atomically).")
def average(checkpoints, out_path):
    """Average the weights of CHECKPOINTS (.keras files of one model, e.g. a run's last
    epochs) into one model. Where the validation score has levelled off the mean often beats
    each of them; score it on the validation split before keeping it.

    \b
    Example:
      zoo average runs/rnnsearch-en-fr/checkpoints/epoch_04{5..8}.keras --out averaged.keras
    """
    setup_backend()
    from zoo.training.averaging import average_checkpoints

    path = average_checkpoints(checkpoints, out_path)
    click.echo(f"wrote {path} (the mean of {len(checkpoints)} checkpoints)")


COMMANDS = [list_, info, convert, export, average]
