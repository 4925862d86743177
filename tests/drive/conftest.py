"""A small driving model for the command-line, evaluation and export tests: the real
yolo-fastest-1.1-xl network with the published COCO detector's values, a fresh segmentation
head, at a 64x96 input (fast), saved once per session."""

from __future__ import annotations

import pytest

SMALL_SIZE = (64, 96)


@pytest.fixture(scope="module")
def data_dir():
    """The shared data folder (module scope); skips when it is absent."""
    from zoo.data.paths import data_root

    if not data_root().is_dir():
        pytest.skip(f"shared data folder {data_root()} not found (set ZOO_DATA)")
    return data_root()


@pytest.fixture(scope="session")
def small_drive(tmp_path_factory):
    import keras

    import zoo
    from zoo.api import transfer_weights
    from zoo.weights import manifest

    keras.utils.set_random_seed(0)
    record = manifest()["yolo-fastest-xl-coco"]
    model = zoo.create_model(
        "drive",
        num_classes=11,
        class_names=manifest()["fcn8s-camvid"]["classes"],
        ignore_index=11,
        backbone_config={"cfg": record["config"]["cfg_text"]},
        detection_classes=record["config"]["class_names"],
        input_size=SMALL_SIZE,
    )
    transfer_weights(zoo.load("yolo-fastest-xl-coco"), model, verbose=False)
    path = tmp_path_factory.mktemp("drive") / "small-drive.keras"
    model.save(path)
    return path
