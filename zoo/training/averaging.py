"""Checkpoint averaging: one model whose weights are the mean of several checkpoints' weights.

The mean of the last few epochs' weights of one run often scores better than any one of them
where the validation score has levelled off (Vaswani et al. 2017; ``onmt_average_models`` in
OpenNMT, fairseq's ``average_checkpoints.py``); after a learning rate decayed to near 0 it
gains little. Score the result on the validation split like any checkpoint.

Every checkpoint must hold the same model: the same variable paths, shapes and dtypes.
Floating-point variables are averaged in float64; integer ones (counters, random-generator
states) are taken from the last file. Batch-normalisation statistics are averaged like any
other variable. The result is written atomically, so a
failure never leaves a half-written file in place of a good one.

Example:
    >>> paths = [f"runs/x/checkpoints/epoch_{e:03d}.keras" for e in (13, 14, 15, 16)]
    >>> average_checkpoints(paths, "runs/x/averaged.keras")  # doctest: +SKIP
    PosixPath('runs/x/averaged.keras')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zoo.api import path_inside_model
from zoo.errors import ZooError


def _signature(model) -> list[tuple[str, tuple[int, ...], str]]:
    """Each variable's path (without a subclassed model's own name, which differs between
    two instances saved by different processes), shape and dtype."""
    return [(path_inside_model(v.path, model), tuple(v.shape), str(v.dtype)) for v in model.weights]


def _difference(path: Path, first: Path, theirs: list, ours: list) -> str:
    if len(theirs) != len(ours):
        return f"{len(theirs)} variables, {first.name} has {len(ours)}"
    for (p, shape, dtype), (q, their_shape, their_dtype) in zip(ours, theirs, strict=True):
        if p != q:
            return f"variable {q!r} where {first.name} has {p!r}"
        if shape != their_shape or dtype != their_dtype:
            return f"{q} is {their_dtype}{list(their_shape)}, in {first.name} {dtype}{list(shape)}"
    return ""


def average_checkpoints(paths: Sequence[str | os.PathLike], out: str | os.PathLike) -> Path:
    """Write to ``out`` the model of ``paths[0]`` with every floating-point weight replaced by
    its mean over ``paths`` (at least two ``.keras`` files of the same model). Returns ``out``.

    Raises :class:`~zoo.errors.ZooError` naming the file that is missing, unreadable, or holds
    a different model. Files stored in float16 (published weights) load as float32.
    """
    from zoo.api import load_model_file
    from zoo.training.checkpoint import save_model_atomic

    paths = [Path(p) for p in paths]
    if len(paths) < 2:
        raise ZooError("averaging needs at least two checkpoints")
    out = Path(out)
    if out.suffix != ".keras":
        raise ZooError(f"{out}: the averaged model is written as a .keras file")
    base = load_model_file(paths[0])
    signature = _signature(base)
    sums = [
        np.array(v.numpy(), np.float64) if np.issubdtype(np.dtype(v.dtype), np.floating) else None
        for v in base.weights
    ]
    last_values = [None] * len(sums)
    for path in paths[1:]:
        model = load_model_file(path)
        theirs = _signature(model)
        if type(model) is not type(base) or theirs != signature:
            detail = _difference(path, paths[0], theirs, signature) or (
                f"a {type(model).__name__}, {paths[0].name} a {type(base).__name__}"
            )
            raise ZooError(f"{path}: not the same model as {paths[0]} ({detail})")
        for i, variable in enumerate(model.weights):
            if sums[i] is None:
                last_values[i] = variable.numpy()
            else:
                sums[i] += variable.numpy()
        del model
    for variable, total, last in zip(base.weights, sums, last_values, strict=True):
        if total is not None:
            variable.assign((total / len(paths)).astype(variable.dtype))
        elif last is not None:
            variable.assign(last)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_model_atomic(base, out)
    return out
