"""Write a traced whole-model function as a SavedModel, an ONNX file or a LiteRT file.

Every writer builds the file beside its target and moves it into place only when complete, so
a failed export never replaces a good file. The metadata JSON goes into each format's own
place (:mod:`zoo.export.metadata`).

Example:
    >>> fn, spec, net = detection_function(model)              # doctest: +SKIP
    >>> write_litert(fn, spec, net, "det.tflite", metadata)    # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

from zoo.export.metadata import METADATA_KEY, SAVED_MODEL_METADATA

ONNX_OPSET = 17


@contextlib.contextmanager
def _quiet():
    """Keep converters' progress prints off stdout (zoo's stdout is for results)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _replace(tmp: Path, target: Path) -> None:
    """Move a finished ``tmp`` file or folder onto ``target``."""
    if target.is_dir() and not target.is_symlink():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


def _saved_model(fn, spec, network, folder: Path, assets: dict[str, bytes]) -> None:
    from keras.export import ExportArchive

    archive = ExportArchive()
    archive.track(network)
    archive.add_endpoint("serve", fn, input_signature=spec)
    with _quiet():
        archive.write_out(str(folder), verbose=False)
    (folder / "assets").mkdir(exist_ok=True)
    for name, data in assets.items():
        (folder / "assets" / name).write_bytes(data)


def write_saved_model(
    fn, spec, network, out: str | os.PathLike, metadata: dict, assets: dict | None = None
) -> Path:
    """A SavedModel folder whose ``serving_default`` signature is ``fn``; the metadata and
    ``assets`` (name -> bytes) are written into its ``assets/`` folder."""
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o755)
    try:
        files = {SAVED_MODEL_METADATA: json.dumps(metadata, indent=1).encode(), **(assets or {})}
        _saved_model(fn, spec, network, tmp, files)
        _replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _tflite_with_metadata(model_bytes: bytes, metadata: dict) -> bytes:
    from tensorflow.lite.python import schema_py_generated as fb
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(model_bytes))
    buffer = fb.BufferT()
    buffer.data = list(json.dumps(metadata).encode())
    model.buffers.append(buffer)
    entry = fb.MetadataT()
    entry.name = METADATA_KEY
    entry.buffer = len(model.buffers) - 1
    model.metadata = [*(model.metadata or []), entry]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def write_litert(
    fn,
    spec,
    network,
    out: str | os.PathLike,
    metadata: dict,
    calibration: list[dict] | None = None,
) -> Path:
    """A ``.tflite`` file of builtin ops only (runs on the plain LiteRT runtime, XNNPACK).

    ``calibration``: input dicts of real images; the network is then quantised to int8
    (:func:`zoo.export.quantize.quantize_network`), the rest stays float.
    """
    import tensorflow as tf

    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        _saved_model(fn, spec, network, Path(folder) / "sm", {})

        def converter():
            conv = tf.lite.TFLiteConverter.from_saved_model(str(Path(folder) / "sm"))
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
            conv.experimental_enable_resource_variables = True
            return conv

        with _quiet():
            data = converter().convert()
            if calibration:
                from zoo.export.quantize import quantize_network

                data = quantize_network(converter(), calibration, data)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(_tflite_with_metadata(data, metadata))
    _replace(tmp, target)
    return target


def write_onnx(fn, spec, network, out: str | os.PathLike, metadata: dict) -> Path:
    """An ONNX file (opset 17) with the metadata as ``metadata_props`` key ``zoo``."""
    import onnx
    import tensorflow as tf
    import tf2onnx

    with contextlib.suppress(ImportError):  # numpy 2 fixes for tf2onnx, as keras applies them
        from keras.src.export.tf2onnx_lib import patch_tf2onnx

        patch_tf2onnx()
    import logging

    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    function = tf.function(fn, input_signature=spec, autograph=False)
    with _quiet():
        proto, _ = tf2onnx.convert.from_function(function, input_signature=spec, opset=ONNX_OPSET)
    onnx.helper.set_model_props(proto, {METADATA_KEY: json.dumps(metadata)})
    tmp = target.with_name(f".{target.name}.tmp")
    onnx.save(proto, str(tmp))
    _replace(tmp, target)
    return target
