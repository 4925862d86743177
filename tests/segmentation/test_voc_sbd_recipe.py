"""The VOC 2012 + SBD recipe's data path on a tiny fake tree in the real datasets' layout.

The tree: VOC 2012 (``JPEGImages/``, palette PNGs in ``SegmentationClass/``, ``ImageSets/
Segmentation/{train,val}.txt``) and SBD (``benchmark_RELEASE/dataset/img``, ``cls/*.mat`` with a
``GTcls`` struct written by scipy, ``train.txt``, ``val.txt``). The recipe runs as written but
for the roots, a tiny VGG16 (fc 8 units), small crops and no ImageNet file.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from zoo.errors import DataError
from zoo.segmentation.data import (
    VOC_CLASSES,
    read_mask,
    read_sbd,
    read_sbd_mat,
    read_segmentation_dataset,
    read_voc_sbd,
)
from zoo.segmentation.overlay import voc_palette

sio = pytest.importorskip("scipy.io", reason="SBD .mat masks need scipy")
sparse = pytest.importorskip("scipy.sparse")

RECIPE = Path(__file__).resolve().parents[2] / "apps/segmentation/recipes/fcn8s_voc_vgg16.toml"

VOC_TRAIN = ("2007_000032", "2008_000002")  # 2008_000002 is in SBD too: VOC's mask wins
VOC_VAL = ("2007_000033", "2008_000003")  # 2008_000003 is in SBD train: must stay out of training
SBD_TRAIN = ("2008_000002", "2008_000003", "2008_000008")
SBD_VAL = ("2008_000009", "2008_000010")
TRAIN_AUG = ("2007_000032", "2008_000002", "2008_000008", "2008_000009", "2008_000010")


def write_palette_png(path: Path, indices: np.ndarray, palette: np.ndarray) -> None:
    """Write an 8-bit palette (colour type 3) PNG, as VOC's SegmentationClass masks are."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    h, w = indices.shape
    raw = b"".join(b"\x00" + indices[r].astype(np.uint8).tobytes() for r in range(h))
    header = struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_sbd_mat(path: Path, mask: np.ndarray) -> None:
    """Write ``cls/<stem>.mat`` as SBD does: struct GTcls {Boundaries, Segmentation, Categories}."""
    boundaries = np.empty((20, 1), object)
    for k in range(20):
        boundaries[k, 0] = sparse.csc_matrix((mask == k + 1).astype(np.uint8))
    present = np.unique(mask[(mask > 0) & (mask < 21)]).astype(np.uint8).reshape(-1, 1)
    gt = {"Boundaries": boundaries, "Segmentation": mask.astype(np.uint8)}
    sio.savemat(str(path), {"GTcls": {**gt, "CategoriesPresent": present}}, do_compression=True)


def make_tree(root: Path) -> dict[str, dict[str, np.ndarray]]:
    """Build ``root/VOCdevkit/VOC2012`` and ``root/benchmark_RELEASE``; returns the masks."""
    rng = np.random.default_rng(3)
    voc = root / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (voc / sub).mkdir(parents=True)
    sbd = root / "benchmark_RELEASE" / "dataset"
    (sbd / "img").mkdir(parents=True)
    (sbd / "cls").mkdir()
    masks: dict[str, dict[str, np.ndarray]] = {"voc": {}, "sbd": {}}
    shapes = [(40, 56), (56, 40), (48, 48)]  # VOC sizes vary, landscape and portrait
    for i, stem in enumerate(VOC_TRAIN + VOC_VAL):
        shape = shapes[i % len(shapes)]
        mask = rng.integers(0, 21, shape)
        mask[0, :] = 255  # void border, as VOC's object outlines
        masks["voc"][stem] = mask
        image = rng.integers(0, 255, (*shape, 3), dtype=np.uint8)
        cv2.imwrite(str(voc / "JPEGImages" / f"{stem}.jpg"), image)
        write_palette_png(voc / "SegmentationClass" / f"{stem}.png", mask, voc_palette(256))
    (voc / "ImageSets/Segmentation/train.txt").write_text("\n".join(VOC_TRAIN) + "\n")
    (voc / "ImageSets/Segmentation/val.txt").write_text("\n".join(VOC_VAL) + "\n")
    for i, stem in enumerate(SBD_TRAIN + SBD_VAL):
        shape = masks["voc"][stem].shape if stem in masks["voc"] else shapes[i % len(shapes)]
        mask = rng.integers(0, 21, shape)  # SBD has no void label
        masks["sbd"][stem] = mask
        image = rng.integers(0, 255, (*shape, 3), dtype=np.uint8)
        cv2.imwrite(str(sbd / "img" / f"{stem}.jpg"), image)
        write_sbd_mat(sbd / "cls" / f"{stem}.mat", mask)
    (sbd / "train.txt").write_text("\n".join(SBD_TRAIN) + "\n")
    (sbd / "val.txt").write_text("\n".join(SBD_VAL) + "\n")
    return masks


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("voc_sbd")
    return root, make_tree(root)


def test_sbd_mat_reads_segmentation(tree):
    root, masks = tree
    mat = root / "benchmark_RELEASE/dataset/cls/2008_000008.mat"
    mask = read_sbd_mat(mat)
    assert mask.dtype == np.int32
    np.testing.assert_array_equal(mask, masks["sbd"]["2008_000008"])


def test_train_aug_is_voc_train_plus_sbd_minus_voc_val(tree):
    root, masks = tree
    voc, sbd = root / "VOCdevkit", root / "benchmark_RELEASE"
    ds = read_voc_sbd(voc, sbd, "train_aug")
    assert ds.source == "voc+sbd" and ds.class_names == list(VOC_CLASSES)
    assert ds.ignore_index == 255 and ds.num_classes == 21
    assert sorted(ds.stems) == sorted(TRAIN_AUG)
    assert not set(ds.stems) & set(VOC_VAL)
    for stem, image, mask in zip(ds.stems, ds.image_paths, ds.mask_paths, strict=True):
        source = "voc" if stem in VOC_TRAIN else "sbd"  # VOC's mask wins where both have one
        np.testing.assert_array_equal(read_mask(mask), masks[source][stem])
        assert cv2.imread(str(image)).shape[:2] == masks[source][stem].shape
    val = read_segmentation_dataset(voc, "val", sbd_root=sbd)
    assert val.stems == list(VOC_VAL) and val.source == "voc"


def test_converted_masks_are_cached(tree):
    root, _ = tree
    sbd = root / "benchmark_RELEASE"
    first = read_sbd(sbd, "val")
    assert all(p.parent == sbd / "dataset" / "cls_png" for p in first.mask_paths)
    stamp = [p.stat().st_mtime_ns for p in first.mask_paths]
    again = read_segmentation_dataset(sbd, "val")  # the SBD layout is detected on its own
    assert again.source == "sbd" and again.stems == list(SBD_VAL)
    assert [p.stat().st_mtime_ns for p in again.mask_paths] == stamp


def test_mistakes_name_the_file(tmp_path):
    make_tree(tmp_path)
    voc, sbd = tmp_path / "VOCdevkit", tmp_path / "benchmark_RELEASE"
    (sbd / "dataset/cls/2008_000009.mat").unlink()
    with pytest.raises(DataError, match=r"2008_000009\.mat"):
        read_voc_sbd(voc, sbd, "train_aug")
    bad = sbd / "dataset/cls/2008_000010.mat"
    sio.savemat(str(bad), {"GTinst": {"Segmentation": np.zeros((2, 2), np.uint8)}})
    with pytest.raises(DataError, match=r"2008_000010\.mat: no GTcls\.Segmentation"):
        read_sbd_mat(bad)
    bad.write_bytes(b"not a mat file")
    with pytest.raises(DataError, match=r"2008_000010\.mat"):
        read_sbd_mat(bad)
    with pytest.raises(DataError, match="not an SBD"):
        read_voc_sbd(voc, tmp_path / "VOCdevkit", "train_aug")
    (sbd / "dataset/val.txt").unlink()
    with pytest.raises(DataError, match=r"val\.txt: split list not found"):
        read_sbd(sbd, "val")


def _fake_imagenet_h5(path: Path, kernel: np.ndarray, bias: np.ndarray) -> None:
    """A keras.applications-style VGG16 .h5 with block1_conv1 only (the loader skips the rest)."""
    import h5py

    with h5py.File(path, "w") as h5:
        group = h5.create_group("block1_conv1")
        group.attrs["weight_names"] = [b"block1_conv1/kernel:0", b"block1_conv1/bias:0"]
        group.create_dataset("block1_conv1/kernel:0", data=kernel)
        group.create_dataset("block1_conv1/bias:0", data=bias)


def tiny_overrides(root: Path, out_dir: Path, imagenet: str = "") -> list[str]:
    """Point the recipe at the fake tree, with a tiny VGG16 and small crops."""
    return [
        f"data.root={str(root / 'VOCdevkit' / 'VOC2012')!r}",
        f"data.sbd_root={str(root / 'benchmark_RELEASE')!r}",
        "data.crop=[32, 32]",
        "data.workers=1",
        "model.backbone_config={fc_units = 8}",
        "train.epochs=1",
        "train.batch_size=2",
        "train.val_batch_size=2",
        f"train.imagenet_weights={imagenet!r}",
        "train.mixed_precision=false",
        "train.jit_compile=false",
        f"train.out_dir={str(out_dir)!r}",
    ]


def test_recipe_is_the_papers_setting():
    from zoo.training.recipe import load_recipe

    config = load_recipe(RECIPE)
    model, data, train = config["model"], config["data"], config["train"]
    assert (model["architecture"], model["backbone"]) == ("fcn8s", "vgg16")
    assert model["backbone_config"]["fc_units"] == 4096
    assert (data["train_split"], data["val_split"]) == ("train_aug", "val") and data["sbd_root"]
    assert data["crop"] in ([512, 512], [500, 500])
    assert train["optimizer"] == "sgd" and train["momentum"] in (0.9, 0.99)
    assert train["imagenet_weights"].endswith("vgg16_weights_tf_dim_ordering_tf_kernels.h5")
    assert train["mixed_precision"] is True and train["jit_compile"] is True


@pytest.mark.slow
def test_recipe_trains_one_epoch_on_fake_tree(tree, tmp_path):
    import keras

    from zoo.api import load_model_file
    from zoo.segmentation.train import build_loaders, train_segmentation
    from zoo.training.recipe import load_recipe

    root, _ = tree
    rng = np.random.default_rng(0)
    kernel = (rng.standard_normal((3, 3, 3, 64)) * 0.05).astype(np.float32)
    bias = (rng.standard_normal(64) * 0.05).astype(np.float32)
    h5 = tmp_path / "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
    _fake_imagenet_h5(h5, kernel, bias)
    config = load_recipe(RECIPE, tiny_overrides(root, tmp_path / "run", str(h5)))

    train_ds, train, val = build_loaders(config)
    assert sorted(train_ds.stems) == sorted(TRAIN_AUG) and len(val.dataset) == len(VOC_VAL)
    x, y = train[0]
    assert x.shape == (2, 32, 32, 3) and y.shape == (2, 32, 32) and y.dtype == np.int32

    history = train_segmentation(config)
    logs = history.history
    assert len(logs["loss"]) == 1 and np.isfinite(logs["loss"][0])
    assert 0.0 <= logs["val_miou"][0] <= 1.0
    model = load_model_file(tmp_path / "run" / "best.keras")
    assert model.num_classes == 21 and model.backbone_name == "vgg16"
    assert model.class_names == list(VOC_CLASSES) and model.ignore_index == 255
    loaded = keras.ops.convert_to_numpy(model.get_layer("vgg16").get_layer("block1_conv1").kernel)
    assert np.corrcoef(loaded.ravel(), kernel.ravel())[0, 1] > 0.99  # ImageNet file was loaded
    assert (tmp_path / "run" / "config.json").is_file()


def test_mixed_precision_step_compiles(tree):
    """mixed_float16: a train step of the recipe's FCN-8s head, optimizer and loss on CPU.

    float16 VGG16 gradients are very slow on CPU (about 20 s a step), so the step runs on a tiny
    litenet backbone and VGG16 only runs forward; the full VGG16 run is the slow test below.
    """
    import keras

    from zoo.api import create_model
    from zoo.segmentation.train import build_loaders, compile_segmentation
    from zoo.training.recipe import load_recipe
    from zoo.training.schedule import make_optimizer

    root, _ = tree
    config = load_recipe(RECIPE, tiny_overrides(root, Path(os.devnull)))
    _, train, _ = build_loaders(config)
    x, y = train[0]
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        tiny = {"widths": [8, 8, 16, 16, 16], "depths": [1, 1, 1, 1, 1]}
        model = create_model("fcn8s", num_classes=21, backbone="litenet", backbone_config=tiny)
        compile_segmentation(model, make_optimizer(config["train"], 1, 1), 255, jit_compile=False)
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        assert np.isfinite(model.train_on_batch(x, y, return_dict=True)["loss"])
        assert model.get_layer("score_fr").compute_dtype == "float16"

        model_cfg = dict(config["model"])
        vgg = create_model(model_cfg.pop("architecture"), num_classes=21, **model_cfg)
        assert vgg.get_layer("vgg16").get_layer("block1_conv1").compute_dtype == "float16"
        logits = vgg.predict_on_batch(x)
        assert logits.dtype == np.float32 and logits.shape == (*x.shape[:3], 21)
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.slow
def test_recipe_mixed_precision_vgg16_on_cpu(tree, tmp_path):
    """The recipe as written (mixed_precision = true) for one step of the tiny VGG16."""
    import keras

    from zoo.segmentation.train import train_segmentation
    from zoo.training.recipe import load_recipe

    root, _ = tree
    overrides = [*tiny_overrides(root, tmp_path / "run"), "data.limit=2"]
    config = load_recipe(RECIPE, [*overrides, "train.mixed_precision=true"])
    try:
        history = train_segmentation(config)
        assert np.isfinite(history.history["loss"][0])
    finally:
        keras.mixed_precision.set_global_policy("float32")
