"""Parsing and planning darknet cfgs, and the errors for cfgs we cannot build."""

from __future__ import annotations

import pytest

from zoo import darknet
from zoo.errors import ZooError

HEAD = """
[convolutional]
filters=18
size=1
activation=linear

[yolo]
mask=0,1,2
anchors=1,2, 3,4, 5,6
classes=1
num=3
"""
NET = "[net]\nwidth=32\nheight=32\nchannels=3\n"


def _plan(body: str, tmp_path, name: str = "x.cfg"):
    path = tmp_path / name
    path.write_text(NET + body)
    return path, darknet.plan_layers(darknet.parse_cfg(path))


def _error(body: str, tmp_path) -> str:
    path = tmp_path / "bad.cfg"
    path.write_text(NET + body)
    with pytest.raises(ZooError) as err:
        darknet.plan_layers(darknet.parse_cfg(path))
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    return message


def test_parse_comments_whitespace_and_indices():
    text = "# a model\n[net]\nwidth = 64 ; comment\nheight=48\n\n[Convolutional]\n"
    text += "filters=4 # four\n size = 3\nanchors = 1, 2,  3,4\n[max]\n"
    cfg = darknet.parse_cfg_text(text, "m.cfg")
    assert (cfg.width, cfg.height, cfg.channels) == (64, 48, 3)
    conv, pool = cfg.layers
    assert (conv.type, conv.index, conv.line) == ("convolutional", 0, 6)
    assert conv.get_int("filters") == 4 and conv.get_int("size") == 3
    assert conv.get_floats("anchors") == [1.0, 2.0, 3.0, 4.0]
    assert (pool.type, pool.index) == ("maxpool", 1)


def test_unknown_section_names_file_line_and_section(tmp_path):
    message = _error("\n[convolutional]\nfilters=4\n\n[crop]\ncrop_width=3\n" + HEAD, tmp_path)
    assert ":9 [crop]" in message and "unsupported section" in message


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[convolutional]\nfilters=4\nactivation=elu\n" + HEAD, "activation 'elu'"),
        ("[route]\nlayers=-1\n" + HEAD, "not an earlier one"),
        ("[convolutional]\nfilters=4\n[route]\nlayers=5\n" + HEAD, "points to layer 5"),
        ("[convolutional]\nfilters=4\ngroups=3\n" + HEAD, "groups=3"),
        ("[convolutional]\nfilters=4\ndilation=2\n" + HEAD, "'dilation=2' is not supported"),
        ("[convolutional]\nfilters=4\nsize=x\n" + HEAD, "'size=x' is not a number"),
        ("[convolutional]\nfilters=4\nsize=33\n" + HEAD, "does not fit"),
        ("[convolutional]\nfilters=4\n", "no [yolo] or [region]"),
        (HEAD.replace("filters=18", "filters=17"), "17 channels"),
        (HEAD.replace("mask=0,1,2", "mask=0,1,5"), "mask"),
        (HEAD.replace("num=3", "num=4"), "num=4 needs 8 anchor values"),
        ("[convolutional]\nfilters=4\n[maxpool]\nstride=2\n[shortcut]\nfrom=-2\n" + HEAD, "equal"),
        ("[convolutional]\nfilters=4\n[route]\nlayers=-1\ngroups=3\n" + HEAD, "groups=3"),
        ("[convolutional]\nfilters=5\n[reorg]\nstride=3\n" + HEAD, "stride 3"),
        ("[convolutional]\nfilters=6\n[reorg]\nstride=2\n" + HEAD, "multiple of stride^2"),
        (HEAD + "[route]\nlayers=-1\n", "reading the output of [yolo]"),
    ],
)
def test_bad_cfgs_raise_one_line_zoo_errors(body, needle, tmp_path):
    assert needle in _error(body, tmp_path)


def test_malformed_files(tmp_path):
    for text, needle in [
        ("", "no sections"),
        ("[convolutional]\nfilters=1\n", "first section must be [net]"),
        ("[net]\nwidth\n", ":2: expected 'key=value'"),
        ("width=3\n[net]\n", "before the first [section]"),
        ("[net\n", "malformed section header"),
    ]:
        path = tmp_path / "m.cfg"
        path.write_text(text)
        with pytest.raises(ZooError, match=r"m\.cfg") as err:
            darknet.parse_cfg(path)
        assert needle in str(err.value)
    with pytest.raises(ZooError, match="cannot read darknet cfg"):
        darknet.parse_cfg(tmp_path / "missing.cfg")


def test_darknet_defaults(tmp_path):
    body = "[convolutional]\nfilters=4\nsize=3\npad=1\n[maxpool]\nstride=2\n[upsample]\n"
    _, plans = _plan(body + "[route]\nlayers=-2\n" + HEAD, tmp_path)
    conv, pool, up, _ = plans[:4]
    assert conv.params["activation"] == "logistic"  # darknet's default for conv
    assert conv.params["padding"] == 1 and conv.shape == (32, 32, 4)
    assert (pool.params["size"], pool.params["padding"], pool.shape) == (2, 1, (16, 16, 4))
    assert up.params["stride"] == 2 and up.shape == (32, 32, 4)


def test_maxpool_output_sizes_follow_darknet(tmp_path):
    body = "[convolutional]\nfilters=4\nsize=3\nstride=2\n"  # 15x15, no padding
    body += (
        "[maxpool]\nsize=2\nstride=2\n[maxpool]\nsize=2\nstride=1\n[maxpool]\nsize=3\nstride=2\n"
    )
    _, plans = _plan(body + HEAD, tmp_path)
    assert [p.shape[:2] for p in plans[:4]] == [(15, 15), (8, 8), (8, 8), (4, 4)]


@pytest.mark.data
@pytest.mark.parametrize(
    ("name", "grids"),
    [
        ("yolov2-tiny", [(13, 13)]),
        ("yolov2-tiny-voc", [(13, 13)]),
        ("yolov2-voc", [(13, 13)]),
        ("yolov3", [(19, 19), (38, 38), (76, 76)]),
        ("yolov3-tiny", [(13, 13), (26, 26)]),
        ("yolo-fastest-1.1", [(10, 10), (20, 20)]),
        ("yolo-fastest-1.1-xl", [(10, 10), (20, 20)]),
    ],
)
def test_every_shipped_cfg_plans(name, grids, zoo_data):
    cfg = darknet.parse_cfg(zoo_data / "darknet" / f"{name}.cfg")
    plans = darknet.plan_layers(cfg)
    assert len(plans) == len(cfg.layers)
    assert [h["grid"] for h in darknet.heads(cfg)] == grids
