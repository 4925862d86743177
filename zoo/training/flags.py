"""Environment a backend reads when it starts: set before jax or tensorflow is imported.

Kept free of Keras imports, so that a launcher can call it first (``zoo train``,
``tools/gpu_smoke.py``, the distributed tests' child).
"""

from __future__ import annotations

import os


def cpu_device_flag(devices: int) -> None:
    """Ask XLA for ``devices`` host CPU devices (JAX on CPU); must run before jax is imported."""
    flag = "--xla_force_host_platform_device_count"
    flags = os.environ.get("XLA_FLAGS", "")
    if devices > 1 and flag not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {flag}={devices}".strip()


def tensorflow_device_flag(devices: int) -> None:
    """Turn TensorFlow's oneDNN CPU kernels off for ``devices`` > 1 replicas in one process
    (``TF_ENABLE_ONEDNN_OPTS=0``, unless set); must run before tensorflow is imported.

    Measured on an Intel Xeon with AMX (TensorFlow 2.21): the tiny detection recipe on 2
    logical CPU devices under ``MirroredStrategy`` died in the train step, "double free or
    corruption" or a segmentation fault, in 2 runs of 2; with oneDNN off it trained.
    """
    if devices > 1:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
