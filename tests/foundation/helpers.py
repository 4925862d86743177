"""Shared helpers of the foundation tests: tiny models, fixed weights, gradients, tiny datasets."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import cv2
import keras
import numpy as np
from golden import assert_golden as assert_golden  # re-exported; tests/ is on sys.path

REPO = Path(__file__).resolve().parents[2]


def load_script(relative: str, name: str):
    """Import a script of the repository (``apps/<app>/benchmark.py`` ...) as module ``name``.

    Example:
        >>> bench = load_script("apps/deploy/benchmark.py", "bench")  # doctest: +SKIP
    """
    spec = importlib.util.spec_from_file_location(name, REPO / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY_BACKBONE = {"widths": [8, 8, 16, 16, 16], "depths": [1, 1, 1, 1, 1]}
TINY_CLASSES = ["sky", "road", "car"]


def tiny_fcn(variant: str = "fcn8s", num_classes: int = 3, **config):
    """A tiny litenet FCN (about 18k parameters) built through the registry."""
    from zoo.api import create_model

    config.setdefault("backbone_config", TINY_BACKBONE)
    if num_classes == len(TINY_CLASSES):
        config.setdefault("class_names", TINY_CLASSES)
    return create_model(variant, num_classes=num_classes, **config)


def seed_weights(model, seed: int = 0, skip: tuple[str, ...] = ()) -> None:
    """Assign every weight from numpy (the same on every backend), except paths containing ``skip``.

    Kernels get He-normal values, batch-norm scales and variances lie in [0.5, 1.5], biases,
    offsets and means are small normals.
    """
    rng = np.random.default_rng(seed)
    for var in model.weights:
        if any(s in var.path for s in skip):
            continue
        shape = tuple(var.shape)
        leaf = var.path.rsplit("/", 1)[-1]
        if leaf in ("gamma", "moving_variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif leaf in ("beta", "bias", "moving_mean"):
            value = rng.normal(0.0, 0.1, shape)
        else:
            fan_in = int(np.prod(shape[:-1])) or 1
            value = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        var.assign(value.astype("float32"))


def random_image(h: int, w: int, seed: int = 0, batch: int | None = None) -> np.ndarray:
    """Float32 RGB pixels in 0..255, shape ``(h, w, 3)`` or ``(batch, h, w, 3)``."""
    rng = np.random.default_rng(seed)
    shape = (h, w, 3) if batch is None else (batch, h, w, 3)
    return rng.uniform(0, 255, shape).astype("float32")


def gradients(model, x, loss_fn) -> list[np.ndarray | None]:
    """Gradients of ``loss_fn(model(x, training=True))`` for each trainable variable.

    Works under TensorFlow (``GradientTape``) and JAX (``jax.grad`` of a stateless call).
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_fn(model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
    elif backend == "jax":
        import jax

        non_trainable = [v.value for v in model.non_trainable_variables]

        def compute(trainable):
            out, _ = model.stateless_call(trainable, non_trainable, x, training=True)
            return loss_fn(out)

        grads = jax.grad(compute)([v.value for v in model.trainable_variables])
    else:  # pragma: no cover
        raise NotImplementedError(f"no gradient helper for backend {backend}")
    return [None if g is None else keras.ops.convert_to_numpy(g) for g in grads]


def projection_loss(shape, seed: int = 1):
    """A loss ``mean(out * r)`` with a fixed random ``r``: no weight is invariant to it."""
    r = np.random.default_rng(seed).normal(size=shape).astype("float32")

    def loss(out):
        return keras.ops.mean(out * keras.ops.convert_to_tensor(r))

    return loss


def assert_all_gradients_nonzero(model, grads) -> None:
    """Every trainable variable has a finite gradient that is not all zeros."""
    assert len(grads) == len(model.trainable_variables) > 0
    for var, grad in zip(model.trainable_variables, grads, strict=True):
        assert grad is not None, f"{var.path}: no gradient"
        assert np.all(np.isfinite(grad)), f"{var.path}: non-finite gradient"
        assert np.any(grad != 0), f"{var.path}: zero gradient"


def write_png(path: Path, array: np.ndarray) -> Path:
    """Write an RGB image or a single-channel mask as PNG (lossless)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    assert cv2.imwrite(str(path), array), path
    return path


def make_camvid(
    root: Path, splits: dict[str, int] | None = None, size: tuple[int, int] = (64, 64), seed=0
) -> Path:
    """A tiny CamVid-layout folder: ``{split}/`` images and ``{split}annot/`` masks (0-10, 11 void).

    Masks are blocks of a few classes (with some void) so that a model can fit them.
    """
    splits = splits or {"train": 4, "val": 2}
    rng = np.random.default_rng(seed)
    h, w = size
    for split, count in splits.items():
        for i in range(count):
            mask = np.zeros((h, w), np.uint8)
            mask[: h // 2] = rng.integers(0, 11)
            mask[h // 2 :, : w // 2] = rng.integers(0, 11)
            mask[h // 2 :, w // 2 :] = rng.integers(0, 11)
            mask[:2, :2] = 11  # void
            palette = rng.integers(0, 256, (12, 3)).astype(np.uint8)
            image = np.clip(palette[mask].astype(int) + rng.integers(-20, 20, (h, w, 3)), 0, 255)
            write_png(root / split / f"img{i:03d}.png", image.astype(np.uint8))
            write_png(root / f"{split}annot" / f"img{i:03d}.png", mask)
    return root


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file (computed here, independently of ``zoo.weights``)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def weights_record(model, file: str, sha256: str, **changes) -> dict:
    """A complete manifest record for a saved tiny FCN ``model``."""
    config = {
        "num_classes": model.num_classes,
        "backbone": model.backbone_name,
        "backbone_config": model.backbone_config,
        "class_names": list(model.class_names),
    }
    record = {
        "file": file,
        "sha256": sha256,
        "task": "segmentation",
        "architecture": model.variant,
        "config": config,
        "preprocessing": dict(model.preprocessing),
        "classes": list(model.class_names),
        "metrics": {
            "miou": 0.5,
            "pixel_acc": 0.8,
            "mean_acc": 0.6,
            "fw_iou": 0.7,
            "per_class_iou": dict.fromkeys(model.class_names, 0.5),
            "n_images": 2,
        },
        "eval_command": f"zoo eval {file} --data tiny --split val --json",
        "train_command": "zoo train tiny.toml",
        "recipe": "tiny.toml",
        "dataset": "tiny",
        "dataset_licence": "CC0",
        "num_params": int(model.count_params()),
    }
    record.update(changes)
    return json.loads(json.dumps(record))
