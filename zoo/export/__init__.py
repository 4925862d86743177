"""Export a zoo model whole: ``.keras``, a TensorFlow SavedModel, ONNX or LiteRT.

The exported file takes what a user has and gives what a user wants (:mod:`zoo.export.graphs`):
detection uint8 images -> boxes in input pixels, scores, classes, number of detections;
segmentation uint8 images -> class-index masks of the input size; translation SentencePiece
ids -> ids (SavedModel: beam search inside, the tokenizer model in its assets; ONNX and
LiteRT: the encoder, with its decoder step and tokenizer model next to it and the beam search
in numpy, :mod:`zoo.export.translation`). Each carries
its metadata (:mod:`zoo.export.metadata`) and loads back with ``zoo.load(path)``.

Exporting needs TensorFlow as the Keras backend, and for ONNX the ``export`` extra
(``pip install zoo[export]``: tf2onnx, onnx).

Example:
    >>> export_model("yolo-wildlife", "litert", "yolo-wildlife.tflite")  # doctest: +SKIP
    PosixPath('yolo-wildlife.tflite')
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from zoo.errors import ZooError

FORMATS = ("keras", "tf_saved_model", "onnx", "litert")
SUFFIXES = {"onnx": ".onnx", "litert": ".tflite", "keras": ".keras"}


def _check_backend(fmt: str) -> None:
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ZooError(
            f"{fmt} export traces the model with TensorFlow: run it with "
            f"KERAS_BACKEND=tensorflow (now: {keras.backend.backend()})"
        )


def _copy_keras(name, model, out: Path) -> Path:
    from zoo.weights import manifest, resolve_weights

    record = manifest().get(str(name))
    tmp = out.with_name(f".{out.stem}.tmp.keras")
    try:
        if record is not None:
            shutil.copyfile(resolve_weights(record, str(name)), tmp)
        else:
            model.save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ZooError(f"{out}: cannot write ({exc.strerror or exc})") from exc
    return out


def export_model(
    name,
    fmt: str,
    out: str | os.PathLike,
    size: tuple[int, int] | None = None,
    batch: int | None = None,
    beam: int = 5,
    model=None,
    calibration=None,
) -> Path:
    """Export the model ``name`` (trained-model name or ``.keras`` path) to ``fmt`` at ``out``.

    Args:
        size: fixed ``(H, W)`` of the input images (default: any size).
        batch: fixed batch size (default: any).
        beam: translation beam size built into the file (1: greedy).
        model: the loaded model, when the caller already has it.
        calibration: a folder of real images (or a list of image paths): LiteRT only, the
            network is quantised to int8 calibrated on them (:mod:`zoo.export.quantize`).
    """
    if fmt not in FORMATS:
        raise ZooError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if calibration is not None and fmt != "litert":
        raise ZooError(f"int8 quantisation (--int8) is for litert exports, not {fmt}")
    out = Path(out)
    if model is None:
        from zoo.api import load

        model = load(name)
    task = getattr(model, "task", None)
    if fmt == "keras":
        return _copy_keras(name, model, out)
    _check_backend(fmt)
    from zoo.export import graphs, writers
    from zoo.export.metadata import build_metadata

    assets: dict[str, bytes] = {}
    extra: dict = {"batch": batch or "dynamic", "image_size": list(size) if size else None}
    if task == "detection":
        fn, spec, net = graphs.detection_function(model, size, batch, with_cond=fmt != "onnx")
        extra["max_det"] = int(net.postprocess.get("max_det", 100))
    elif task == "segmentation":
        fn, spec, net = graphs.segmentation_function(model, size, batch)
    elif task == "drive":  # both tasks, at the model's input size (zoo.drive.export)
        from zoo.drive.export import drive_function, drive_metadata

        if size and tuple(size) != tuple(model.input_size):
            raise ZooError(f"{name}: a driving model exports at its input size {model.input_size}")

        fn, spec, net = drive_function(model, batch, with_cond=fmt != "onnx")
        extra.update(drive_metadata(model), image_size=[int(v) for v in model.input_size])
    elif task == "translation":
        if calibration is not None:
            raise ZooError(f"{name}: int8 export is for detection and segmentation models")
        if fmt != "tf_saved_model":
            from zoo.export.translation import export_translation

            return export_translation(model, name, fmt, out, beam=beam, batch=batch)
        fn, spec, net = graphs.translation_function(model, beam=beam, batch=batch)
        assets["sentencepiece.model"] = model.tokenizer.proto
        extra.update(
            search={"beam": beam, "length_penalty": "gnmt", "alpha": 0.6},
            tokenizer="assets/sentencepiece.model",
            max_tokens=int(model.tokenizer.max_tokens),
            max_chars=int(model.tokenizer.max_chars),
        )
    else:
        raise ZooError(f"{name}: not a zoo task model; nothing to export")
    samples = None
    if calibration is not None:
        from zoo.export.quantize import calibration_inputs, calibration_paths

        if task not in ("detection", "segmentation"):
            raise ZooError(f"{name}: int8 export is for detection and segmentation models")
        paths = calibration_paths(calibration)
        samples = calibration_inputs(model, paths, size)
        extra["quantization"] = {"int8": "network", "calibration_images": len(paths)}
    metadata = build_metadata(model, fmt, source_name=name, **extra)
    if fmt == "tf_saved_model":
        return writers.write_saved_model(fn, spec, net, out, metadata, assets)
    if fmt == "onnx":
        return writers.write_onnx(fn, spec, net, out, metadata)
    return writers.write_litert(fn, spec, net, out, metadata, samples)
