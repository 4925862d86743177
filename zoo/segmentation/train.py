"""Train an FCN from a recipe through ``model.fit``, resumable, keeping the best on val mIoU.

Example:
    >>> from zoo.training.recipe import load_recipe
    >>> config = load_recipe("apps/segmentation/recipes/fcn8s_camvid.toml", ["train.epochs=1"])
    >>> train_segmentation(config)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import keras

from zoo.data.paths import resolve_data_dir
from zoo.errors import ZooError
from zoo.training.checkpoint import resume_state
from zoo.training.recipe import write_json_atomic
from zoo.training.schedule import make_optimizer
from zoo.writable import writable_dir


def named_layer(model, name: str, key: str):
    """``model.get_layer(name)``, or a :class:`ZooError` naming the recipe ``key`` and the
    model's top-level layers that contain weights."""
    try:
        return model.get_layer(name)
    except ValueError:
        names = ", ".join(layer.name for layer in model.layers if layer.weights)
        raise ZooError(f"{key}: the model has no layer {name!r} (layers: {names})") from None


def frozen_batchnorm(layer) -> int:
    """Put every BatchNormalization inside ``layer`` in inference mode, its scale and offset
    fixed (``trainable = False``); returns how many. The other weights stay trainable.

    Example:
        >>> frozen_batchnorm(zoo.load("fcn8s-camvid").get_layer("darknet"))  # doctest: +SKIP
        82
    """
    if isinstance(layer, keras.layers.BatchNormalization):
        layer.trainable = False
        return 1
    return sum(frozen_batchnorm(sub) for sub in getattr(layer, "layers", ()))


def compile_segmentation(
    model,
    optimizer,
    ignore_index: int | None,
    jit_compile="auto",
    jaccard_weight: float = 0.0,
    jaccard: str = "soft",
    ohem_thresh: float | None = None,
    ohem_min_kept: int | None = None,
) -> None:
    """Compile with cross-entropy that ignores void (plus ``jaccard_weight`` x a soft-IoU
    or Lovász term; hard pixels only with ``ohem_thresh``: :mod:`zoo.segmentation.losses`),
    and a confusion-matrix mIoU metric."""
    from zoo.segmentation.losses import OHEM_MIN_KEPT, SegmentationLoss

    model.compile(
        optimizer=optimizer,
        loss=SegmentationLoss(
            ignore_class=ignore_index,
            jaccard_weight=jaccard_weight,
            jaccard=jaccard,
            ohem_thresh=ohem_thresh,
            ohem_min_kept=OHEM_MIN_KEPT if ohem_min_kept is None else ohem_min_kept,
        ),
        metrics=[
            keras.metrics.MeanIoU(
                model.num_classes, name="miou", ignore_class=ignore_index, sparse_y_pred=False
            )
        ],
        jit_compile=jit_compile,
    )


def build_loaders(config: dict):
    """The train and val :class:`SegmentationLoader` of a recipe."""
    from zoo.segmentation.data.augment import SegmentationAugment
    from zoo.segmentation.data.loader import SegmentationLoader
    from zoo.segmentation.data.readers import read_segmentation_dataset

    data = config["data"]
    train_cfg = config["train"]
    root = resolve_data_dir(data["root"])
    # data.sbd_root: VOC 2012 + SBD, where train_split = "train_aug" is the FCN paper's set
    sbd = resolve_data_dir(data["sbd_root"]) if data.get("sbd_root") else None
    train_ds = read_segmentation_dataset(root, data.get("train_split", "train"), sbd_root=sbd)
    val_ds = read_segmentation_dataset(root, data.get("val_split", "val"), sbd_root=sbd)
    if data.get("limit"):
        train_ds = train_ds.subset(range(min(int(data["limit"]), len(train_ds))))
        val_ds = val_ds.subset(range(min(int(data["limit"]), len(val_ds))))
    crop = tuple(data["crop"]) if data.get("crop") else None
    ignore = train_ds.ignore_index if train_ds.ignore_index is not None else 255
    augment = SegmentationAugment(
        crop_size=crop,
        ignore_index=ignore,
        scale_range=tuple(data.get("scale", (0.5, 2.0))),
        flip_prob=float(data.get("flip", 0.5)),
        brightness=float(data.get("jitter", 0.25)),
        contrast=float(data.get("jitter", 0.25)),
        saturation=float(data.get("jitter", 0.25)),
        hue=float(data.get("hue", 0.02)),
        blur_prob=float(data.get("blur", 0.0)),
    )
    weighting = data.get("class_weighting", "none")
    train = SegmentationLoader(
        train_ds,
        batch_size=int(train_cfg.get("batch_size", 8)),
        crop_size=crop,
        augment=augment,
        shuffle=True,
        cache=bool(data.get("cache", True)),
        class_weights=None if weighting == "none" else weighting,
        pad_to_multiple=32,
        drop_remainder=True,
        seed=int(config.get("seed", 0)),
        workers=int(data.get("workers", 1)),
        copy_paste=copy_paste_from(data.get("copy_paste"), train_ds.class_names),
    )
    val = SegmentationLoader(
        val_ds,
        batch_size=int(train_cfg.get("val_batch_size", 4)),
        cache=bool(data.get("cache", True)),
    )
    return train_ds, train, val


def copy_paste_from(spec: dict | None, class_names: list[str]):
    """The :class:`CopyPaste` of a recipe's ``data.copy_paste`` table (``classes`` by name,
    and optionally ``prob``, ``max_shift``, ``flip_prob``), or ``None``.

    Example:
        >>> copy_paste_from({"classes": ["pole"], "prob": 0.5}, ["Sky", "Pole"]).classes
        (1,)
    """
    from zoo.segmentation.data.copy_paste import CopyPaste

    if not spec:
        return None
    spec = dict(spec)
    names = spec.pop("classes", None)
    names = [names] if isinstance(names, str) else names
    if not names:
        raise ZooError('data.copy_paste needs classes, e.g. classes = ["pole"]')
    lower = [c.lower() for c in class_names]  # "pole" names CamVid's "Pole"
    unknown = [n for n in names if str(n).lower() not in lower]
    if unknown:
        raise ZooError(
            f"data.copy_paste.classes: no class {', '.join(map(repr, unknown))} "
            f"(classes: {', '.join(class_names)})"
        )
    allowed = {"prob", "max_shift", "flip_prob"}
    if set(spec) - allowed:
        raise ZooError(
            f"data.copy_paste: unknown key {', '.join(sorted(set(spec) - allowed))} "
            f"(keys: classes, {', '.join(sorted(allowed))})"
        )
    classes = tuple(lower.index(str(n).lower()) for n in names)
    return CopyPaste(classes=classes, **{key: float(value) for key, value in spec.items()})


def resolve_darknet_backbone(model_cfg: dict) -> tuple[str, Path | None] | None:
    """For ``backbone = "darknet"``: put the text of ``backbone_config.cfg_file`` (a path under
    ``$ZOO_DATA`` or absolute) into ``backbone_config.cfg`` and return ``(cfg text, weights
    path or None)``, the weights from ``backbone_config.weights_file`` (pretrained values,
    loaded once here and then saved with the model)."""
    if model_cfg.get("backbone") != "darknet":
        return None
    backbone_cfg = dict(model_cfg.get("backbone_config") or {})
    cfg_file = backbone_cfg.pop("cfg_file", None)
    weights_file = backbone_cfg.pop("weights_file", None)
    if cfg_file is not None:
        backbone_cfg["cfg"] = resolve_data_dir(cfg_file).read_text()
    if "cfg" not in backbone_cfg:
        raise ZooError("model.backbone_config needs cfg_file (a Darknet .cfg) for 'darknet'")
    model_cfg["backbone_config"] = backbone_cfg
    weights = resolve_data_dir(weights_file) if weights_file else None
    return backbone_cfg["cfg"], weights


def initialise_from(model, init: str) -> list[str]:
    """Copy into ``model`` the weights of the trained model ``init`` (a zoo model name or a
    ``.keras`` path) whose names and shapes match; the others keep their initial values.
    Returns the paths of the weights copied."""
    from zoo.api import load, transfer_weights

    source = load(str(init))
    if getattr(source, "task", None) not in ("segmentation", "drive"):
        raise ZooError(f"[model] init = {init!r} is not a segmentation or driving model")
    loaded, skipped = transfer_weights(source, model, verbose=False)
    print(
        f"zoo: initialised from {init}: {len(loaded)} weights copied, "
        f"{len(skipped)} new ({', '.join(skipped) or 'none'})"
    )
    return loaded


def init_seg_trunk(model, loaded: Sequence[str] = ()) -> None:
    """A driving model's own segmentation layers (``[model] seg_trunk``) start as the shared
    network's (:meth:`zoo.drive.model.DriveModel.init_seg_trunk`), unless ``loaded`` (the
    weight paths copied from an ``init`` model) already gave them trained values."""
    if not getattr(model, "seg_trunk", 0):
        return
    own = {v.path for v in model.get_layer("seg_trunk").weights}
    if own & set(loaded):
        return
    count = model.init_seg_trunk()
    print(f"zoo: seg_trunk initialised from the shared network ({count} layers)")


def train_segmentation(config: dict, resume: bool = False, init_model=None):
    """Train the FCN a recipe describes; returns the Keras ``History``.

    Writes to ``train.out_dir``: ``config.json`` (the resolved recipe), ``last.keras`` and
    ``best.keras`` (best val mIoU), ``log.csv``, TensorBoard logs. ``resume=True`` continues
    from ``last.keras`` at the next epoch. ``init_model`` (fine-tuning) supplies the starting
    weights instead of a fresh model. Devices and processes: :mod:`zoo.training.run`.
    """
    from zoo.api import create_model
    from zoo.training.run import current_run, resume_fit, resumed_model

    run = current_run()
    keras.utils.set_random_seed(int(config.get("seed", 0)))
    train_cfg = config["train"]
    from zoo.segmentation.losses import JACCARD_KINDS

    if train_cfg.get("jaccard", "soft") not in JACCARD_KINDS:
        raise ZooError(
            f"train.jaccard = {train_cfg['jaccard']!r}: choose one of {', '.join(JACCARD_KINDS)}"
        )
    ohem = train_cfg.get("ohem_thresh")
    if ohem is not None and (
        isinstance(ohem, bool) or not isinstance(ohem, int | float) or not 0 < ohem <= 1
    ):
        raise ZooError(f"train.ohem_thresh = {ohem!r}: a probability in (0, 1], e.g. 0.7")
    kept = train_cfg.get("ohem_min_kept", 1)
    if isinstance(kept, bool) or not isinstance(kept, int) or kept < 1:
        raise ZooError(f"train.ohem_min_kept = {kept!r}: a pixel count of at least 1")
    if train_cfg.get("mixed_precision"):
        keras.mixed_precision.set_global_policy("mixed_float16")
    run_dir = Path(train_cfg.get("out_dir", f"runs/{config.get('name', 'segmentation')}"))
    writable_dir(run_dir, "run folder")  # refused now, not after the first epoch
    if run.chief:
        write_json_atomic(run_dir / "config.json", config)

    train_ds, train, val = build_loaders(config)
    epochs = int(train_cfg.get("epochs", 50))
    state = resume_state(run_dir) if resume else {"epoch": 0, "best": None}
    with run.scope():
        model = resumed_model(run_dir, resume, state, epochs)
        if model is None:
            model_cfg = dict(config["model"])
            arch = model_cfg.pop("architecture")
            init = model_cfg.pop("init", None)
            darknet_files = resolve_darknet_backbone(model_cfg)
            if init_model is not None:
                model = init_model
            else:
                model = create_model(
                    arch,
                    num_classes=train_ds.num_classes,
                    class_names=train_ds.class_names,
                    ignore_index=train_ds.ignore_index,
                    **model_cfg,
                )
            if model_cfg.get("backbone") == "vgg16" and train_cfg.get("imagenet_weights"):
                from zoo.backbones.vgg16 import load_vgg16_imagenet

                load_vgg16_imagenet(model.get_layer("vgg16"), train_cfg["imagenet_weights"])
            if init is not None and init_model is None:
                # staged training as in the FCN paper (FCN-16s from FCN-32s ...): every weight
                # of the trained model whose name and shape match; new skip layers keep init
                init_seg_trunk(model, loaded=initialise_from(model, init))
            elif darknet_files is not None and init_model is None and darknet_files[1] is not None:
                from zoo.backbones import load_darknet_weights

                cfg_text, weights_path = darknet_files
                count = load_darknet_weights(model.get_layer("darknet"), cfg_text, weights_path)
                print(f"zoo: backbone initialised from {weights_path} ({count} layers)")
                init_seg_trunk(model)
            for name in train_cfg.get("freeze", ()):
                # e.g. freeze = ["darknet"]: pretrained features kept as they are (BatchNorm
                # in inference mode) while the layers after them learn
                named_layer(model, name, "train.freeze").trainable = False
            for name in train_cfg.get("freeze_batchnorm", ()):
                # e.g. freeze_batchnorm = ["darknet"]: the convolutions learn while every
                # BatchNorm keeps its pretrained statistics and scale (inference mode), as
                # detectors fine-tune with small batches; batch statistics of 8 crops do not
                # replace those of the pretraining data
                frozen_batchnorm(named_layer(model, name, "train.freeze_batchnorm"))
            optimizer = make_optimizer(train_cfg, len(train), epochs)
            jit = train_cfg.get("jit_compile", "auto")
            compile_segmentation(
                model,
                optimizer,
                train_ds.ignore_index,
                jit_compile=jit,
                jaccard_weight=float(train_cfg.get("jaccard_weight", 0.0)),
                jaccard=str(train_cfg.get("jaccard", "soft")),
                ohem_thresh=train_cfg.get("ohem_thresh"),
                ohem_min_kept=train_cfg.get("ohem_min_kept"),
            )
    return resume_fit(
        model, train, val, state, epochs=epochs, run_dir=run_dir, monitor="val_miou", mode="max"
    )
