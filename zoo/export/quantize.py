"""Post-training integer (int8) quantisation of a LiteRT export: the network only.

The converter calibrates the whole model on real images, then quantises only the operators
of the network (its convolutions, activations, shortcuts), found by the network's name scope
in the float file's tensor names, less the network's last operators (the raw head
convolutions, whose outputs the decoding reads); everything around it (resize, normalisation,
YOLO decoding, NMS, box mapping, argmax) is denylisted and stays float32, and the file's
inputs and outputs keep their float/uint8 types. Quantising the decoding and NMS too (scores,
box coordinates and the ``conf``/``iou`` scalars, whose calibration range is a single value)
loses the detections.

Example:
    >>> data = calibration_inputs(model, ["a.jpg", "b.jpg"], "detection")  # doctest: +SKIP
    >>> int8 = quantize_network(converter, data, "yolo_1/")                 # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from zoo.errors import ZooError

CALIBRATION_IMAGES = 64  # images drawn from the calibration folder (evenly spaced)


def calibration_paths(source, limit: int = CALIBRATION_IMAGES) -> list[Path]:
    """Up to ``limit`` image paths, evenly spaced over a folder (recursive) or a list."""
    from zoo.data.images import is_image_name

    if isinstance(source, str | os.PathLike):
        folder = Path(source)
        if not folder.is_dir():
            raise ZooError(f"--calibration {folder}: not a folder of images")
        paths = sorted(p for p in folder.rglob("*") if p.is_file() and is_image_name(p))
    else:
        paths = [Path(p) for p in source]
    if not paths:
        raise ZooError(f"--calibration {source}: no images found")
    step = max(1, len(paths) // limit)
    return paths[::step][:limit]


def calibration_inputs(model, paths: list[Path], size=None) -> list[dict]:
    """One input dict per image for the whole-model signature of ``model``'s task.

    Detectors get the image brought to the network size as zoo feeds them
    (:func:`zoo.detection.prepare.prepare_image`) and the default ``conf``/``iou``;
    segmentation models get the image itself (resized to ``size`` when the export fixes it).
    """
    import cv2

    from zoo.data.images import read_image

    samples = []
    for path in paths:
        image = read_image(path)
        if model.task == "detection":
            from zoo.detection.predict import DEFAULT_POSTPROCESS
            from zoo.detection.prepare import prepare_image

            image, _ = prepare_image(image, model.input_size, model.preprocessing)
            post = {**DEFAULT_POSTPROCESS, **model.postprocess}
            samples.append(
                {
                    "images": image[None],
                    "conf": np.array(post["conf"], np.float32),
                    "iou": np.array(post["iou"], np.float32),
                }
            )
        else:
            if size is not None:
                image = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)
            samples.append({"images": image[None]})
    return samples


def float_tensor_names(model_bytes: bytes, scope: str) -> list[str]:
    """Output tensor names of the operators to keep float: every operator (all subgraphs)
    not under name scope ``scope``, and the network's last operators, whose outputs leave
    the scope (the raw head convolutions: int8 there costs most of the accuracy)."""
    from tensorflow.lite.python import schema_py_generated as fb

    def inside(name: str) -> bool:
        return all(part.startswith(scope) for part in name.split(";"))

    model = fb.Model.GetRootAs(model_bytes, 0)
    names = []
    for s in range(model.SubgraphsLength()):
        graph = model.Subgraphs(s)
        ops = [graph.Operators(o) for o in range(graph.OperatorsLength())]
        name = [graph.Tensors(t).Name().decode() for t in range(graph.TensorsLength())]
        leaving = {graph.Outputs(k) for k in range(graph.OutputsLength())}
        for op in ops:
            if not inside(name[op.Outputs(0)]):
                leaving.update(t for t in op.InputsAsNumpy() if t >= 0 and inside(name[t]))
        for op in ops:
            outputs = [op.Outputs(k) for k in range(op.OutputsLength())]
            if not all(inside(name[t]) for t in outputs) or leaving & set(outputs):
                names.extend(name[t] for t in outputs)
    return names


def network_scope(model_bytes: bytes) -> str:
    """The top name scope of the first convolution: the network's (``"yolo_1/"``)."""
    from tensorflow.lite.python import schema_py_generated as fb

    model = fb.Model.GetRootAs(model_bytes, 0)
    graph = model.Subgraphs(0)
    convs = {fb.BuiltinOperator.CONV_2D, fb.BuiltinOperator.DEPTHWISE_CONV_2D}
    for o in range(graph.OperatorsLength()):
        op = graph.Operators(o)
        code = model.OperatorCodes(op.OpcodeIndex())
        if max(code.BuiltinCode(), code.DeprecatedBuiltinCode()) in convs:
            name = graph.Tensors(op.Outputs(0)).Name().decode()
            if "/" in name:
                return name.split("/", 1)[0] + "/"
    raise ZooError("no named convolution in the model; cannot find the network to quantise")


def quantize_network(converter, samples: list[dict], float_model: bytes) -> bytes:
    """The int8 model of ``converter`` calibrated on ``samples``, network ops only.

    ``float_model`` is the same converter's float output, read for the operator names.
    """
    import tensorflow as tf

    denylist = float_tensor_names(float_model, network_scope(float_model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    debugger = tf.lite.experimental.QuantizationDebugger(
        converter=converter,
        debug_dataset=lambda: iter(samples[:1]),
        debug_options=tf.lite.experimental.QuantizationDebugOptions(denylisted_nodes=denylist),
    )
    return debugger.get_nondebug_quantized_model()
