"""A Darknet-backbone FCN of any input size exports to LiteRT with builtin ops only.

The FCN-4s on yolo-fastest-1.1-xl (taps P2..P5, as the stride-4 ``fcn8s-camvid`` recipe) has
the depthwise convolution after ``[upsample]`` + ``[route]`` (darknet layer 126) that the
converter used to leave as a Flex op; here it must lower to ``DEPTHWISE_CONV_2D`` and the file
must run on the plain LiteRT runtime with the Keras model's masks.
"""

from __future__ import annotations

import pytest

import zoo

pytestmark = [pytest.mark.data, pytest.mark.slow]
TAPS = {"P2": 22, "P3": 58, "P4": 128, "P5": 119}


def tflite_op_names(path) -> list[str]:
    """The operator names in a ``.tflite`` file (custom ops by their custom code)."""
    from ai_edge_litert import schema_py_generated as fb

    model = fb.Model.GetRootAs(path.read_bytes(), 0)
    names = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
    codes = [model.OperatorCodes(i) for i in range(model.OperatorCodesLength())]
    return [
        c.CustomCode().decode()
        if c.CustomCode()
        else names[max(c.BuiltinCode(), c.DeprecatedBuiltinCode())]
        for c in codes
    ]


def test_darknet_fcn4s_exports_to_litert_builtins(tmp_path):
    pytest.importorskip("ai_edge_litert")
    from zoo.data.paths import data_root
    from zoo.export import export_model
    from zoo.segmentation.data import read_image

    cfg = data_root() / "darknet" / "yolo-fastest-1.1-xl.cfg"
    if not cfg.is_file():
        pytest.skip("shared data folder not found (set ZOO_DATA)")
    model = zoo.create_model(
        "fcn4s", num_classes=11, backbone="darknet",
        backbone_config={"cfg": cfg.read_text(), "taps": TAPS},
    )  # fmt: skip
    path = export_model("fcn4s", "litert", tmp_path / "fcn4s.tflite", model=model)
    ops = tflite_op_names(path)
    assert "DEPTHWISE_CONV_2D" in ops
    assert not [op for op in ops if op.startswith("Flex")], ops
    image = read_image(sorted((data_root() / "camvid" / "val").glob("*"))[0])
    got = zoo.load(path).segment([image])[0]
    want = model.segment([image])[0]
    assert got.shape == want.shape == image.shape[:2]
    assert (got == want).mean() > 0.999
