"""Parity of zoo.darknet.build with OpenCV DNN's darknet importer on the raw head tensors."""

from __future__ import annotations

import numpy as np
import pytest

from zoo import darknet

pytestmark = pytest.mark.model
cv2 = pytest.importorskip("cv2")

TOLERANCE = 1e-4  # of the reference output's scale

ANCHORS = "10,14, 23,27, 37,58, 81,82, 135,169, 344,319"

# 96x160 input. BN and plain convs, stride 2, groups, depthwise, every activation, maxpool
# 2/2 and 2/1, route of 1 and 2 layers with negative and absolute indices, shortcut,
# dropout, upsample, two yolo heads.
CFG_MIX = f"""
[net]
width=160
height=96
channels=3

[convolutional]
batch_normalize=1
filters=8
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
filters=16
size=3
stride=2
pad=1
activation=mish

[convolutional]
batch_normalize=1
filters=16
groups=2
size=3
stride=1
pad=1
activation=relu

[convolutional]
batch_normalize=1
filters=16
groups=16
size=3
stride=1
pad=1
activation=logistic

[convolutional]
batch_normalize=1
filters=16
size=1
stride=1
pad=1
activation=linear

[shortcut]
from=-3
activation=leaky

[maxpool]
size=2
stride=1

[route]
layers=-1,-4

[convolutional]
filters=16
size=1
activation=swish

[dropout]
probability=.2

[convolutional]
batch_normalize=1
filters=32
size=3
stride=2
pad=1
activation=leaky

[upsample]
stride=2

[route]
layers=-1, 2

[convolutional]
filters=21
size=1
activation=linear

[yolo]
mask=0,1,2
anchors={ANCHORS}
classes=2
num=6

[route]
layers=-5

[convolutional]
batch_normalize=1
filters=21
size=1
activation=linear

[yolo]
mask=3,4,5
anchors={ANCHORS}
classes=2
num=6
"""

# yolov2-style: reorg of a routed layer, concatenated with a deeper one, region head.
CFG_REGION = """
[net]
width=64
height=64
channels=3

[convolutional]
batch_normalize=1
filters=8
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
batch_normalize=1
filters=16
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
batch_normalize=1
filters=32
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
batch_normalize=1
filters=64
size=3
stride=1
pad=1
activation=leaky

[route]
layers=-3

[convolutional]
batch_normalize=1
filters=8
size=1
stride=1
pad=1
activation=leaky

[reorg]
stride=2

[route]
layers=-1,-4

[convolutional]
batch_normalize=1
filters=32
size=3
stride=1
pad=1
activation=leaky

[convolutional]
filters=40
size=1
stride=1
pad=1
activation=linear

[region]
anchors=1.08,1.19, 3.42,4.41, 6.63,11.38, 9.42,5.11, 16.62,10.52
classes=3
coords=4
num=5
softmax=1
"""

# 74x102 input: odd sizes into maxpool 2/2, explicit padding, route groups/group_id,
# SPP-style maxpools 3/1 and 5/1, maxpool 3/2, depthwise with multiplier 2, scale_x_y.
CFG_ODD = """
[net]
width=102
height=74
channels=3

[convolutional]
batch_normalize=1
filters=16
size=3
stride=2
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
batch_normalize=1
filters=16
size=5
stride=1
padding=1
activation=leaky

[route]
layers=-1
groups=2
group_id=1

[maxpool]
size=3
stride=1

[maxpool]
size=5
stride=1

[route]
layers=-1,-2,-3

[maxpool]
size=3
stride=2

[convolutional]
batch_normalize=1
filters=48
groups=24
size=3
stride=1
pad=1
activation=leaky

[convolutional]
filters=18
size=1
stride=1
activation=linear

[yolo]
mask=0,1,2
anchors=10,14, 23,27, 37,58
classes=1
num=3
scale_x_y=1.05
"""

CASES = {
    "mix": (CFG_MIX, (0, 2, 0)),
    "region": (CFG_REGION, (0, 1, 0)),
    "odd": (CFG_ODD, (1, 0, 0)),
}


def _check_parity(dn, cfg_path, weights_path, images) -> list[float]:
    model = darknet.build(cfg_path, weights_path)
    ours = dn.run_model(model, images)
    refs = dn.opencv_heads(cfg_path, weights_path, images)
    assert len(ours) == len(refs) == len(darknet.heads(cfg_path))
    errors = [dn.rel_err(o, r) for o, r in zip(ours, refs, strict=True)]
    assert max(errors) < TOLERANCE, errors
    return errors


@pytest.mark.parametrize("case", sorted(CASES))
def test_small_cfg_matches_opencv(case, tmp_path, dn):
    text, version = CASES[case]
    cfg_path = tmp_path / f"{case}.cfg"
    cfg_path.write_text(text)
    weights_path = dn.write_random_weights(cfg_path, tmp_path / f"{case}.weights", version)
    cfg = darknet.parse_cfg(cfg_path)
    images = np.random.default_rng(1).random((2, cfg.height, cfg.width, 3), dtype=np.float32)
    errors = _check_parity(dn, cfg_path, weights_path, images)
    print(case, errors)


def _coco_image(root, size: tuple[int, int]) -> np.ndarray:
    files = sorted((root / "coco128" / "images").glob("*.jpg"))
    if not files:
        pytest.skip("no coco128 images in the data folder")
    bgr = cv2.imread(str(files[0]))
    rgb = cv2.cvtColor(cv2.resize(bgr, (size[1], size[0])), cv2.COLOR_BGR2RGB)
    return (rgb.astype(np.float32) / 255.0)[None]


@pytest.mark.data
@pytest.mark.parametrize("name", ["yolo-fastest-1.1", "yolo-fastest-1.1-xl"])
def test_real_yolo_fastest_matches_opencv(name, zoo_data, dn):
    cfg_path = zoo_data / "darknet" / f"{name}.cfg"
    weights_path = zoo_data / "darknet" / f"{name}.weights"
    images = _coco_image(zoo_data, (320, 320))
    errors = _check_parity(dn, cfg_path, weights_path, images)
    print(name, errors)


@pytest.mark.data
@pytest.mark.parametrize("name", ["yolov3-tiny", "yolov2-tiny"])
def test_real_cfg_random_weights_matches_opencv(name, zoo_data, tmp_path, dn):
    cfg_path = zoo_data / "darknet" / f"{name}.cfg"
    weights_path = dn.write_random_weights(cfg_path, tmp_path / f"{name}.weights")
    cfg = darknet.parse_cfg(cfg_path)
    images = np.random.default_rng(2).random((1, cfg.height, cfg.width, 3), dtype=np.float32)
    errors = _check_parity(dn, cfg_path, weights_path, images)
    print(name, errors)


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_save_load_round_trip_is_identical(case, tmp_path, dn):
    import keras

    text, version = CASES[case]
    cfg_path = tmp_path / f"{case}.cfg"
    cfg_path.write_text(text)
    weights_path = dn.write_random_weights(cfg_path, tmp_path / f"{case}.weights", version)
    model = darknet.build(cfg_path, weights_path)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    cfg = darknet.parse_cfg(cfg_path)
    images = np.random.default_rng(3).random((1, cfg.height, cfg.width, 3), dtype=np.float32)
    before_all, after_all = dn.run_model(model, images), dn.run_model(loaded, images)
    for before, after in zip(before_all, after_all, strict=True):
        np.testing.assert_array_equal(before, after)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
