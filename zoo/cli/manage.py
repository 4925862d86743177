"""Model management: ``zoo list``, ``zoo info``, ``zoo convert``, ``zoo export``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from zoo.cli.common import setup_backend
from zoo.errors import ZooError
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


@click.command()
@click.argument("model_name", metavar="MODEL")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["keras", "tf_saved_model"]),
    default="keras",
    show_default=True,
)
@click.option(
    "--out", "out_path", required=True, help="Output file (.keras) or folder (SavedModel)."
)
@quiet_option
def export(model_name, fmt, out_path):
    """Export MODEL as a verified .keras file or a TensorFlow SavedModel for serving."""
    setup_backend()
    from zoo.api import load
    from zoo.weights import manifest, resolve_weights

    bar = Progress(total=1, desc=f"export {fmt}", unit="model")
    if fmt == "keras":
        record = manifest().get(model_name)
        if record is not None:
            shutil.copyfile(resolve_weights(record, model_name), out_path)
        else:
            load(model_name).save(out_path)
    else:
        import importlib.util

        if importlib.util.find_spec("tensorflow") is None:
            raise ZooError("tf_saved_model export needs TensorFlow installed")
        load(model_name).export(out_path, format="tf_saved_model")
    bar.update(1)
    bar.close()
    click.echo(f"wrote {Path(out_path)}")


COMMANDS = [list_, info, convert, export]
