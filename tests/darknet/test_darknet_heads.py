"""Head metadata for decoders, and model outputs that agree with it."""

from __future__ import annotations

import numpy as np
import pytest

from zoo import darknet

pytestmark = pytest.mark.data


def test_yolov3_tiny_heads(zoo_data):
    h0, h1 = darknet.heads(zoo_data / "darknet" / "yolov3-tiny.cfg")
    assert (h0["type"], h0["index"], h0["name"], h0["output"]) == ("yolo", 16, "yolo_16", 0)
    assert (h0["grid"], h0["stride"], h1["grid"], h1["stride"]) == ((13, 13), 32, (26, 26), 16)
    assert h0["mask"] == [3, 4, 5] and h1["mask"] == [0, 1, 2]
    assert h0["anchors"] == [[81, 82], [135, 169], [344, 319]]
    assert h1["anchors"] == [[10, 14], [23, 27], [37, 58]]
    assert h0["anchor_units"] == "pixels" and len(h0["all_anchors"]) == h0["num"] == 6
    assert (h0["classes"], h0["num_anchors"], h0["attributes"]) == (80, 3, 85)
    assert (h0["input_height"], h0["input_width"]) == (416, 416)
    assert h0["scale_x_y"] == 1.0 and h0["new_coords"] == 0 and h0["softmax"] is False
    assert h0["options"]["ignore_thresh"] == ".7"


def test_region_heads(zoo_data):
    (head,) = darknet.heads(zoo_data / "darknet" / "yolov2-tiny-voc.cfg")
    assert (head["type"], head["grid"], head["stride"]) == ("region", (13, 13), 32)
    assert (head["classes"], head["coords"], head["num_anchors"]) == (20, 4, 5)
    assert head["softmax"] is True and head["anchor_units"] == "grid"
    assert head["anchors"][0] == [1.08, 1.19] and head["mask"] == [0, 1, 2, 3, 4]


def test_input_size_override_and_fastest(zoo_data):
    cfg = zoo_data / "darknet" / "yolo-fastest-1.1.cfg"
    assert [h["stride"] for h in darknet.heads(cfg)] == [32, 16]
    heads = darknet.heads(cfg, input_size=(256, 416))
    assert [h["grid"] for h in heads] == [(8, 13), (16, 26)]
    assert heads[0]["input_width"] == 416 and heads[0]["input_height"] == 256


@pytest.mark.model
def test_model_outputs_match_heads(zoo_data, dn, tmp_path):
    cfg = zoo_data / "darknet" / "yolov3-tiny.cfg"
    # With a weights file the build skips random init, which is slow on JAX.
    weights = dn.write_random_weights(cfg, tmp_path / "w.weights")
    model = darknet.build(cfg, weights, input_size=(160, 224))
    outs = dn.run_model(model, np.zeros((1, 160, 224, 3), np.float32))
    heads = darknet.heads(cfg, input_size=(160, 224))
    assert model.output_names == [h["name"] for h in heads]
    for out, head in zip(outs, heads, strict=True):
        assert out.shape == (1, *head["grid"], head["num_anchors"] * head["attributes"])
