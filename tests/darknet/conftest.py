"""Helpers for the darknet tests: random weights files, OpenCV DNN references, error measure."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from zoo.darknet import ConvWeights, parse_cfg, plan_layers, write_weights


def random_conv_weights(cfg_path: Path, seed: int = 0) -> list[ConvWeights]:
    """Random but well-scaled arrays for every conv of a cfg (activations stay near 1)."""
    rng = np.random.default_rng(seed)
    convs = []
    for plan in plan_layers(parse_cfg(cfg_path)):
        if plan.kind != "convolutional":
            continue
        p = plan.params
        filters = p["filters"]
        shape = (filters, p["in_channels"] // p["groups"], p["size"], p["size"])
        fan_in = shape[1] * shape[2] * shape[3]
        kernel = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        bias = rng.standard_normal(filters) * 0.1
        if p["batch_normalize"]:
            convs.append(
                ConvWeights(
                    bias=bias,
                    kernel=kernel,
                    gamma=rng.uniform(0.5, 1.5, filters),
                    mean=rng.standard_normal(filters) * 0.1,
                    variance=rng.uniform(0.5, 1.5, filters),
                )
            )
        else:
            convs.append(ConvWeights(bias=bias, kernel=kernel))
    return convs


def write_random_weights(
    cfg_path: Path, weights_path: Path, version: tuple[int, int, int] = (0, 2, 0), seed: int = 0
) -> Path:
    """Write a random weights file matching ``cfg_path``; return its path."""
    write_weights(weights_path, random_conv_weights(cfg_path, seed), version=version, seen=12345)
    return weights_path


def opencv_heads(cfg_path: Path, weights_path: Path, images: np.ndarray) -> list[np.ndarray]:
    """OpenCV DNN's raw tensors feeding each yolo/region head, NHWC, for NHWC ``images``."""
    cv2 = pytest.importorskip("cv2")
    net = cv2.dnn.readNetFromDarknet(str(cfg_path), str(weights_path))
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    names = list(net.getLayerNames())
    # OpenCV puts a Permute layer in front of every head; the layer before it feeds the head.
    feeding = [names[i - 1] for i, name in enumerate(names) if name.startswith("permute_")]
    net.setInput(np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=np.float32))
    outs = net.forward(feeding)
    return [np.asarray(o).transpose(0, 2, 3, 1) for o in outs]


def rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    """Max absolute difference relative to the reference's max magnitude."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    return float(np.abs(ours - ref).max() / max(np.abs(ref).max(), 1e-12))


def run_model(model, images: np.ndarray) -> list[np.ndarray]:
    """The model's outputs as a list of numpy arrays."""
    import keras

    # predict() compiles the whole graph once; eager calls are slow on JAX (op by op).
    outs = model.predict(images, batch_size=len(images), verbose=0)
    if not isinstance(outs, (list, tuple)):
        outs = [outs]
    return [keras.ops.convert_to_numpy(o) for o in outs]


@pytest.fixture
def dn():
    """The darknet test helpers as one namespace."""
    return SimpleNamespace(
        random_conv_weights=random_conv_weights,
        write_random_weights=write_random_weights,
        opencv_heads=opencv_heads,
        rel_err=rel_err,
        run_model=run_model,
    )
