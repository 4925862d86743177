"""``zoo eval``: score a model on a data split and print one JSON object."""

from __future__ import annotations

import json
import sys

import click

from zoo.cli.common import open_model
from zoo.cli.options import beam_option, count_option
from zoo.progress import quiet_option


@click.command("eval")
@click.argument("model_name", metavar="MODEL")
@click.option(
    "--data",
    "data_dirs",
    required=True,
    multiple=True,
    type=click.Path(exists=True),
    help="Dataset folder (CamVid/VOC/mask-folder, VOC XML/COCO/YOLO, Multi30k) or TSV file; "
    "detection takes several, combined.",
)
@click.option("--split", default="val", show_default=True, help="Split to score.")
@click.option(
    "--val-fraction",
    default=None,
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Detection: score the held-out part of folders without splits, as training made it "
    "(stratified by class, --split-seed).",
)
@click.option("--split-seed", default=0, show_default=True, type=int)
@beam_option("Beam size (translation).")
@count_option("--batch-size", default=8, low=1, high=1024)
@click.option(
    "--tta",
    is_flag=True,
    help="Segmentation: test-time augmentation (scales 0.75/1/1.25 and their mirrors).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object only.")
@quiet_option
def eval_(model_name, data_dirs, split, val_fraction, split_seed, beam, batch_size, tta, as_json):
    """Evaluate MODEL (name or .keras path) on a dataset split.

    Segmentation: miou, pixel_acc, mean_acc, fw_iou, per_class_iou, n_images (one confusion
    matrix over the split, original resolution, void ignored). Detection: ap50 (VOC all-point),
    ap50_voc07, coco_ap, coco_ap50, coco_ap75, per_class_ap50, n_images (scores down to 0.001).
    Translation: bleu, chrf, signature (sacreBLEU, detokenised, cased, 13a), n_sentences, beam.
    A driving model (drive-*) is scored on the task of the data: segmentation or detection.
    A sample that cannot be used (unreadable image, missing file) is named on stderr and left
    out; ``skipped`` lists them, and the exit status is 1 when any was skipped.
    """
    data_dir = data_dirs[0]
    task_data = None
    read_skipped: list[str] = []
    if len(data_dirs) > 1 or val_fraction:
        from zoo.detection.data import read_detection_dataset, split_dataset
        from zoo.detection.data.problems import Problems

        problems = Problems(skip_errors=True)
        task_data = read_detection_dataset(
            list(data_dirs) if len(data_dirs) > 1 else data_dir, problems=problems
        )
        read_skipped = problems.errors
        if val_fraction:
            task_data = split_dataset(task_data, val_fraction, split_seed)[
                1 if split == "val" else 0
            ]
    model = open_model(model_name)
    task = getattr(model, "task", None)
    if task_data is not None and task != "detection":
        raise click.UsageError("several --data folders and --val-fraction are for detection")
    if tta and task != "segmentation":
        raise click.UsageError("--tta is for segmentation models")
    if task == "segmentation":
        from zoo.segmentation.evaluate import evaluate_segmentation

        scores = evaluate_segmentation(model, data_dir, split, batch_size=batch_size, tta=tta)
    elif task == "detection":
        from zoo.detection.evaluate import evaluate_detection

        scores = evaluate_detection(
            model.for_inference(), task_data or data_dir, split, batch_size=batch_size
        )
    elif task == "drive":  # the data chooses: segmentation folder -> mIoU, detection -> AP
        from zoo.drive.evaluate import evaluate_drive

        scores = evaluate_drive(model.for_inference(), data_dir, split, batch_size=batch_size)
    elif task == "translation":
        from zoo.translation.evaluate import evaluate_translation

        scores = evaluate_translation(model, data_dir, split, beam=beam, batch_size=batch_size)
    else:
        raise click.UsageError(f"{model_name}: not a zoo task model")
    skipped = read_skipped + scores.pop("skipped", [])
    scores["skipped"] = skipped
    if as_json:
        click.echo(json.dumps(scores))
    else:
        for key, value in scores.items():
            click.echo(f"{key}: {value}")
    if skipped:
        used = scores.get("n_images", scores.get("n_sentences"))
        click.echo(f"zoo eval: scored {used}, skipped {len(skipped)} (see 'skipped')", err=True)
        sys.exit(1)


COMMANDS = [eval_]
