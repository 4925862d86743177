"""VGG16 in the FCN paper's form: convolutional blocks 1-5 plus fc6/fc7 as convolutions.

Layer names follow ``keras.applications.VGG16`` (``block1_conv1`` ... ``block5_pool``), so its
ImageNet weights load by name with :func:`load_vgg16_imagenet`; fc6 (7x7, 4096) and fc7 (1x1,
4096) take the classifier's ``fc1``/``fc2`` weights reshaped, as in the paper.

Example:
    >>> backbone = vgg16(fc_units=64)  # small fc layers for a test
    >>> sorted(backbone.output.keys())
    ['P3', 'P4', 'P5']
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np

from zoo.errors import WeightsError

_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
NOTOP_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
TOP_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"


def vgg16(
    fc_units: int = 4096, dropout: float = 0.5, input_channels: int = 3, name: str = "vgg16"
) -> keras.Model:
    """Build VGG16 with outputs ``P3`` (block3_pool), ``P4`` (block4_pool) and ``P5`` (fc7).

    ``fc_units=0`` leaves out fc6/fc7 and makes ``P5`` the block5_pool features.
    """
    inputs = keras.Input((None, None, input_channels), name="image")
    x = inputs
    features = {}
    for b, (filters, convs) in enumerate(_BLOCKS, start=1):
        for c in range(1, convs + 1):
            x = keras.layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"block{b}_conv{c}"
            )(x)
        x = keras.layers.MaxPooling2D(2, strides=2, name=f"block{b}_pool")(x)
        if b in (3, 4):
            features[f"P{b}"] = x
    if fc_units:
        x = keras.layers.Conv2D(fc_units, 7, padding="same", activation="relu", name="fc6")(x)
        x = keras.layers.Dropout(dropout, name="drop6")(x)
        x = keras.layers.Conv2D(fc_units, 1, activation="relu", name="fc7")(x)
        x = keras.layers.Dropout(dropout, name="drop7")(x)
    features["P5"] = x
    return keras.Model(inputs, features, name=name)


def find_vgg16_weights(path: str | os.PathLike | None = None) -> Path:
    """Locate the Keras VGG16 ImageNet ``.h5`` file: ``path``, or the Keras cache.

    Raises :class:`WeightsError` saying where to put the file when it is not found.
    """
    candidates = []
    if path is not None:
        candidates.append(Path(path).expanduser())
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"
    candidates += [cache / TOP_FILE, cache / NOTOP_FILE]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise WeightsError(
        f"{candidates[0]}: VGG16 ImageNet weights not found; pass the path of {TOP_FILE} or "
        f"{NOTOP_FILE} (from keras.applications) or put it in {cache}"
    )


def load_vgg16_imagenet(backbone: keras.Model, path: str | os.PathLike | None = None) -> list[str]:
    """Copy keras.applications' VGG16 ImageNet weights into ``backbone`` by layer name.

    Returns the names of the layers that were loaded. With the full (``include_top``) file,
    fc6/fc7 get ``fc1``/``fc2`` reshaped to 7x7 and 1x1 convolutions, when their sizes match.
    """
    import h5py

    file = find_vgg16_weights(path)
    loaded = []
    with h5py.File(file, "r") as h5:
        root = h5.get("model_weights", h5)
        for layer in backbone.layers:
            source = {"fc6": "fc1", "fc7": "fc2"}.get(layer.name, layer.name)
            if source not in root or not layer.weights:
                continue
            group = root[source]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            arrays = [np.asarray(group[n]) for n in names]
            kernel, bias = arrays
            target = layer.kernel.shape
            if kernel.shape != tuple(target):
                if kernel.size != np.prod(target):
                    continue
                kernel = kernel.reshape(target)
            layer.set_weights([kernel, bias])
            loaded.append(layer.name)
    if not loaded:
        raise WeightsError(f"{file}: no VGG16 layer weights found in this file")
    return loaded
