"""Half-precision storage: a ``.keras`` file whose float32 weights are stored as float16.

The file is an ordinary Keras archive in which only ``model.weights.h5`` differs: every float32
weight is written as float16 (half the bytes) and tagged, and ``metadata.json`` records the
storage. Config and assets (e.g. a translation model's SentencePiece tokenizer) are copied
byte for byte, so nothing about the model changes but the precision of its stored weights.
:func:`zoo.api.load_model_file` (and so ``zoo.load``) recognises such a file and restores the
tagged weights to float32 before Keras reads them: the loaded model is float32, exactly as if
its weights had been rounded to float16 and saved normally.

Weights that are not float32 (integers, seeds, counters, bfloat16) are stored unchanged, and so
are an optimizer's variables (its second moments underflow in float16): a compiled model keeps
its optimizer state lossless, but only the model's weights shrink.

Example:
    >>> from zoo.half_precision import save_half_precision, to_half_precision_file
    >>> save_half_precision(model, "weights/small.keras")                     # doctest: +SKIP
    >>> to_half_precision_file("runs/x/best.keras", "weights/small.keras")    # doctest: +SKIP
    >>> zoo.load("weights/small.keras")   # a float32 model                   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np

from zoo.errors import WeightsError

WEIGHTS_MEMBER = "model.weights.h5"
METADATA_MEMBER = "metadata.json"
MARKER_KEY = "zoo_weights_storage"  # metadata.json: {"zoo_weights_storage": "float16"}
MARKER_VALUE = "float16"
DATASET_ATTR = "zoo_stored_from"  # on each converted dataset: "float32"
SKIPPED_GROUPS = ("optimizer",)  # top-level h5 groups kept as they are
FLOAT16_MAX = float(np.finfo(np.float16).max)


def _copy_attrs(src, dst) -> None:
    for key, value in src.attrs.items():
        dst.attrs[key] = value


def _convert_h5(data: bytes, to_half: bool, label: str) -> bytes:
    """The weights h5 ``data`` with float32 datasets as float16 (``to_half``) or back."""
    out = io.BytesIO()
    with h5py.File(io.BytesIO(data), "r") as src, h5py.File(out, "w") as dst:
        _copy_attrs(src, dst)

        def copy_group(sgroup, dgroup, top: bool) -> None:
            for name, item in sgroup.items():
                if isinstance(item, h5py.Group) and not (top and name in SKIPPED_GROUPS):
                    child = dgroup.create_group(name)
                    _copy_attrs(item, child)
                    copy_group(item, child, top=False)
                elif isinstance(item, h5py.Group):
                    sgroup.copy(item, dgroup, name=name)
                elif to_half and item.dtype == np.float32 and "dtype" not in item.attrs:
                    value = item[()]
                    if np.any(np.abs(value[np.isfinite(value)]) > FLOAT16_MAX):
                        raise WeightsError(
                            f"{label}: weight {item.name} holds values beyond float16's range "
                            f"(max {np.nanmax(np.abs(value)):.4g} > {FLOAT16_MAX:.0f}); it "
                            "cannot be stored in half precision"
                        )
                    ds = dgroup.create_dataset(name, data=value.astype(np.float16))
                    _copy_attrs(item, ds)
                    ds.attrs[DATASET_ATTR] = "float32"
                elif not to_half and item.attrs.get(DATASET_ATTR) == "float32":
                    ds = dgroup.create_dataset(name, data=item[()].astype(np.float32))
                    _copy_attrs(item, ds)
                    del ds.attrs[DATASET_ATTR]
                else:
                    sgroup.copy(item, dgroup, name=name)

        copy_group(src, dst, top=True)
    return out.getvalue()


def _read_metadata(archive: zipfile.ZipFile) -> dict:
    try:
        return json.loads(archive.read(METADATA_MEMBER))
    except (KeyError, json.JSONDecodeError):
        return {}


def is_half_precision_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a ``.keras`` file written by :func:`save_half_precision`."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return _read_metadata(archive).get(MARKER_KEY) == MARKER_VALUE


def stored_dtypes(path: str | os.PathLike) -> dict[str, str]:
    """The dtype of every weight stored in the ``.keras`` file ``path``, by its h5 path."""
    found: dict[str, str] = {}
    with zipfile.ZipFile(path) as archive, h5py.File(io.BytesIO(archive.read(WEIGHTS_MEMBER))) as f:

        def visit(name, item):
            if isinstance(item, h5py.Dataset):
                found[name] = str(item.dtype)

        f.visititems(visit)
    return found


def _rewrite_archive(src: Path, dst: Path, to_half: bool) -> None:
    """Copy the archive ``src`` to ``dst`` with its weights converted, members in order.

    Only ``model.weights.h5`` and ``metadata.json`` change; the number of members must stay
    the same (Keras reads assets only when an archive has more than three members).
    """
    with zipfile.ZipFile(src) as zin:
        names = zin.namelist()
        if WEIGHTS_MEMBER not in names:
            raise WeightsError(f"{src}: no {WEIGHTS_MEMBER} in the archive (sharded or npz?)")
        metadata = _read_metadata(zin)
        if to_half and metadata.get(MARKER_KEY) == MARKER_VALUE:
            raise WeightsError(f"{src}: already stored in half precision")
        if to_half:
            metadata[MARKER_KEY] = MARKER_VALUE
        else:
            metadata.pop(MARKER_KEY, None)
        with zipfile.ZipFile(dst, "w") as zout:
            for info in zin.infolist():
                if info.filename == WEIGHTS_MEMBER:
                    data = _convert_h5(zin.read(info), to_half, str(src))
                elif info.filename == METADATA_MEMBER:
                    data = json.dumps(metadata).encode()
                else:
                    data = zin.read(info)
                zout.writestr(info, data)


def to_half_precision_file(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Write ``dst``, a half-precision copy of the ``.keras`` file ``src`` (atomically).

    ``dst`` may be ``src`` itself. Raises :class:`WeightsError` when a weight exceeds float16's
    range (65504) or ``src`` is already half precision.
    """
    src, dst = Path(src), Path(dst)
    tmp = dst.with_name(dst.stem + ".half.tmp.keras")
    try:
        _rewrite_archive(src, tmp, to_half=True)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return dst


def save_half_precision(model, path: str | os.PathLike) -> Path:
    """Save ``model`` to ``path`` as ``.keras`` with its float32 weights stored as float16.

    The model is saved normally into a temporary folder, converted, and renamed over ``path``,
    so an interrupted save never replaces a good file. Load it with :func:`zoo.api.load_model_file`
    or ``zoo.load(path)``: the model comes back in float32.
    """
    from zoo.training.checkpoint import save_model_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp_dir:
        full = Path(tmp_dir) / "float32.keras"
        save_model_atomic(model, full)
        return to_half_precision_file(full, path)


@contextlib.contextmanager
def float32_copy(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary ``.keras`` copy of a half-precision file with its weights back in float32.

    Keras loads the copy as if it were an ordinary file; the copy is removed on exit.
    """
    with tempfile.TemporaryDirectory(prefix="zoo-half-") as tmp_dir:
        copy = Path(tmp_dir) / Path(path).name
        if copy.suffix != ".keras":
            copy = copy.with_suffix(".keras")
        _rewrite_archive(Path(path), copy, to_half=False)
        yield copy
