"""Train a YOLO detector from a recipe through ``model.fit``, resumable, keeping the best val AP50.

A recipe's ``[data]`` names one folder (``root``) or several (``roots``, combined with the
union of their classes), relative to ``$ZOO_DATA`` unless absolute, or a TensorFlow Datasets
source (``tfds = "coco/2017"``). With ``train_split``/``val_split`` those splits are read;
otherwise a deterministic, class-stratified ``val_fraction`` of the images is held out
(``split_seed``); ``val_roots`` reads the validation split from other folders.
``[model]`` ``anchors = "auto"`` computes k-means anchors on the training boxes at the input
size. ``[model]`` ``init`` starts from trained weights instead of a random model: a trained
model's name or ``.keras`` path, or ``{darknet_cfg = "...", darknet_weights = "..."}`` (paths
found as data folders are: absolute, from the current directory, else under ``$ZOO_DATA``);
the head is replaced when the classes differ.

Example:
    >>> from zoo.training.recipe import load_recipe
    >>> config = load_recipe("apps/detection/recipes/yolo_wildlife.toml", ["train.epochs=1"])
    >>> train_detection(config)  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from pathlib import Path

import keras
import numpy as np

from zoo.detection.data import (
    DetectionDataset,
    DetectionSample,
    match_classes,
    read_detection_dataset,
    split_dataset,
)
from zoo.detection.data.problems import Problems
from zoo.errors import DataError, ZooError
from zoo.segmentation.train import resolve_data_dir
from zoo.training.checkpoint import resume_state
from zoo.training.recipe import write_json_atomic
from zoo.training.schedule import make_optimizer
from zoo.writable import writable_dir


def data_roots(data: dict) -> list[Path]:
    """The dataset folders of a recipe's ``[data]`` (``roots`` list or one ``root``)."""
    roots = data.get("roots") or ([data["root"]] if data.get("root") else [])
    if isinstance(roots, str):
        roots = [roots]
    if not roots:
        raise ZooError("the recipe's [data] needs root = 'folder' or roots = ['a', 'b']")
    return [resolve_data_dir(r) for r in roots]


def _read(data: dict, split: str | None, val: bool = False) -> DetectionDataset:
    classes = data.get("classes") or None
    if data.get("tfds"):
        from zoo.detection.tfds_source import read_tfds_detection

        return read_tfds_detection(
            data["tfds"], split or "train", data.get("tfds_data_dir"), data.get("cache_dir")
        )
    roots = data_roots({"roots": data["val_roots"]} if val and data.get("val_roots") else data)
    # as zoo eval does: an unusable sample is named and left out, the rest is used
    problems = Problems(skip_errors=True)
    dataset = read_detection_dataset(
        roots if len(roots) > 1 else roots[0], split, classes, problems=problems
    )
    if problems.errors:
        print(f"zoo: {len(problems.errors)} sample(s) left out (named above)", file=sys.stderr)
    return dataset


def dataset_for_config(config: dict) -> tuple[DetectionDataset, DetectionDataset]:
    """The ``(train, val)`` datasets a recipe describes (see the module docstring)."""
    data = config["data"]
    if data.get("train_split"):
        train = _read(data, data["train_split"])
        val = _read(data, data.get("val_split", "val"), val=True)
    else:
        full = _read(data, None)
        fraction = float(data.get("val_fraction", 0.2))
        train, val = split_dataset(full, fraction, int(data.get("split_seed", 0)))
    if data.get("limit"):
        n = int(data["limit"])
        train = train.subset(range(min(n, len(train))))
        val = val.subset(range(min(n, len(val))))
    for line in train.warnings:
        print(f"zoo: warning: {line}", file=sys.stderr)
    if len(train) == 0 or len(val) == 0:
        raise DataError(f"{train.source}: {len(train)} training and {len(val)} validation images")
    return train, val


def to_model_classes(dataset: DetectionDataset, class_names: list[str]) -> DetectionDataset:
    """``dataset`` with labels renumbered to ``class_names`` (matched by name and alias)."""
    mapping, unmatched = match_classes(dataset.class_names, class_names)
    if unmatched:
        raise DataError(
            f"{dataset.source}: classes {', '.join(unmatched)} are not classes of the model "
            f"({', '.join(class_names)}); fine-tune with a new head instead"
        )
    remap = np.array([mapping[i] for i in range(len(dataset.class_names))], np.int64)
    samples = [
        DetectionSample(s.image_path, s.width, s.height, s.boxes, remap[s.labels], s.difficult)
        for s in dataset.samples
    ]
    return DetectionDataset(list(class_names), samples, dataset.source, dataset.warnings)


def resolve_anchors(model_cfg: dict, train: DetectionDataset) -> dict:
    """Replace ``anchors = "auto"`` by k-means anchors of ``train`` (letterboxed input size)."""
    if model_cfg.get("anchors") != "auto":
        return model_cfg
    from zoo.detection.anchors import dataset_anchors
    from zoo.detection.heads import split_anchors

    strides = model_cfg.get("strides", [8, 16, 32])
    per_scale = int(model_cfg.pop("anchors_per_scale", 3))
    size = tuple(model_cfg.get("input_size", (320, 320)))
    anchors, mean_iou = dataset_anchors(train, per_scale * len(strides), size, letterbox=True)
    shown = [[round(float(w), 1), round(float(h), 1)] for w, h in anchors]
    print(f"zoo: k-means anchors (mean best IoU {mean_iou:.3f}): {shown}")
    return {**model_cfg, "anchors": split_anchors(anchors, len(strides))}


def initial_model(init, class_names: list[str]):
    """The model a recipe's ``[model] init`` names, with a head for ``class_names``.

    Example:
        >>> initial_model({"darknet_cfg": "darknet/yolo-fastest-1.1-xl.cfg",
        ...                "darknet_weights": "darknet/yolo-fastest-1.1-xl.weights"},
        ...               ["raccoon", "kangaroo"])  # doctest: +SKIP
    """
    from zoo.api import load, with_new_head

    if isinstance(init, dict):
        from zoo.detection.convert import darknet_detector

        if set(init) != {"darknet_cfg", "darknet_weights"}:
            raise ZooError(
                f"[model] init = {init}: give darknet_cfg and darknet_weights, or a model name"
            )
        cfg = resolve_data_dir(init["darknet_cfg"])
        weights = resolve_data_dir(init["darknet_weights"])
        for path in (cfg, weights):
            if not path.is_file():
                raise DataError(f"{path}: no such file ([model] init)")
        model = darknet_detector(cfg, weights)
    else:
        model = load(str(init))
    if getattr(model, "task", None) != "detection":
        raise ZooError(f"[model] init = {init!r} is not a detection model")
    return with_new_head(model, class_names)


def build_loaders(config: dict, model, train_ds: DetectionDataset, val_ds: DetectionDataset):
    """The train (augmented, shuffled) and val :class:`DetectionLoader` of a recipe."""
    from zoo.detection.loader import Augment, DetectionLoader

    data, train_cfg = config["data"], config["train"]
    augment = Augment(
        mosaic=float(data.get("mosaic", 0.5)),
        scale=tuple(data.get("scale", (0.5, 1.5))),
        translate=float(data.get("translate", 0.1)),
        flip=float(data.get("flip", 0.5)),
        hsv=tuple(data.get("hsv", (0.015, 0.7, 0.4))),
    )
    common = {"cache": bool(data.get("cache", True)), "seed": int(config.get("seed", 0))}
    train = DetectionLoader(
        train_ds,
        model,
        batch_size=int(train_cfg.get("batch_size", 16)),
        augment=augment,
        shuffle=True,
        drop_remainder=True,
        workers=int(data.get("workers", 1)),
        **common,
    )
    val = DetectionLoader(
        val_ds, model, batch_size=int(train_cfg.get("val_batch_size", 8)), **common
    )
    return train, val


def train_detection(config: dict, resume: bool = False, init_model=None):
    """Train the detector a recipe describes; returns the Keras ``History``.

    Writes to ``train.out_dir``: ``config.json``, ``last.keras``, ``best.keras`` (best
    ``val_ap50``, scored every ``train.eval_every`` epochs), ``log.csv``, TensorBoard logs.
    ``resume=True`` continues from ``last.keras``; ``init_model`` (fine-tuning) supplies the
    starting model instead of a fresh one. Devices and processes: :mod:`zoo.training.run`.
    """
    from zoo.api import create_model
    from zoo.detection.callbacks import ValAPCallback
    from zoo.training.run import current_run, resume_fit, resumed_model

    run = current_run()
    keras.utils.set_random_seed(int(config.get("seed", 0)))
    train_cfg = config["train"]
    if train_cfg.get("mixed_precision"):
        keras.mixed_precision.set_global_policy("mixed_float16")
    run_dir = Path(train_cfg.get("out_dir", f"runs/{config.get('name', 'detection')}"))
    writable_dir(run_dir, "run folder")  # refused now, not after the first epoch

    train_ds, val_ds = dataset_for_config(config)
    epochs = int(train_cfg.get("epochs", 100))
    state = resume_state(run_dir) if resume else {"epoch": 0, "best": None}
    with run.scope():
        model = resumed_model(run_dir, resume, state, epochs)
        if model is None:
            if init_model is not None:
                model = init_model
            elif config["model"].get("init"):
                model = initial_model(config["model"]["init"], train_ds.class_names)
            else:
                model_cfg = resolve_anchors(dict(config["model"]), train_ds)
                config["model"] = dict(model_cfg)
                arch = model_cfg.pop("architecture")
                model = create_model(
                    arch,
                    num_classes=train_ds.num_classes,
                    class_names=train_ds.class_names,
                    **model_cfg,
                )
    if run.chief:
        write_json_atomic(run_dir / "config.json", config)
    train_ds = to_model_classes(train_ds, model.class_names)
    val_ds = to_model_classes(val_ds, model.class_names)
    train, val = build_loaders(config, model, train_ds, val_ds)
    if not (resume and state["epoch"] > 0):
        with run.scope():
            optimizer = make_optimizer(train_cfg, len(train), epochs)
            model.compile(optimizer=optimizer, jit_compile=train_cfg.get("jit_compile", "auto"))
    ap = ValAPCallback(
        val_ds,
        every=int(train_cfg.get("eval_every", 5)),
        last_epoch=epochs,
        batch_size=int(train_cfg.get("val_batch_size", 8)),
    )
    monitor = train_cfg.get("monitor", "val_ap50")
    mode = "min" if monitor.endswith("loss") else "max"
    # the AP callback runs before the checkpoints, which read val_ap50
    return resume_fit(
        model, train, val, state, epochs=epochs, run_dir=run_dir, monitor=monitor, mode=mode,
        callbacks=[ap],
    )  # fmt: skip
