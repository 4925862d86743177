"""``zoo eval``: score a model on a data split and print one JSON object."""

from __future__ import annotations

import json

import click

from zoo.cli.common import setup_backend


@click.command("eval")
@click.argument("model_name", metavar="MODEL")
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Dataset folder (CamVid/VOC/mask-folder, VOC XML/COCO/YOLO, Multi30k/TSV).",
)
@click.option("--split", default="val", show_default=True, help="Split to score.")
@click.option(
    "--beam",
    default=5,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Beam size (translation).",
)
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(1, 1024))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object only.")
def eval_(model_name, data_dir, split, beam, batch_size, as_json):
    """Evaluate MODEL (name or .keras path) on a dataset split.

    Segmentation: miou, pixel_acc, mean_acc, fw_iou, per_class_iou, n_images (one confusion
    matrix over the split, original resolution, void ignored).
    """
    setup_backend()
    from zoo.api import load

    model = load(model_name)
    task = getattr(model, "task", None)
    if task == "segmentation":
        from zoo.segmentation.evaluate import evaluate_segmentation

        scores = evaluate_segmentation(model, data_dir, split, batch_size=batch_size)
    elif task == "detection":
        from zoo.detection.evaluate import evaluate_detection

        scores = evaluate_detection(model, data_dir, split, batch_size=batch_size)
    elif task == "translation":
        from zoo.translation.evaluate import evaluate_translation

        scores = evaluate_translation(model, data_dir, split, beam=beam, batch_size=batch_size)
    else:
        raise click.UsageError(f"{model_name}: not a zoo task model")
    if as_json:
        click.echo(json.dumps(scores))
    else:
        for key, value in scores.items():
            click.echo(f"{key}: {value}")


COMMANDS = [eval_]
