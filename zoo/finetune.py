"""Fine-tuning: start from a trained model, with a new head when the classes change.

Example:
    >>> model = prepare_finetune(zoo.load("fcn8s-camvid"), config)  # doctest: +SKIP
"""

from __future__ import annotations

from zoo.api import with_new_head
from zoo.errors import DataError


def dataset_class_names(task: str, config: dict) -> list[str]:
    """The class names of a fine-tuning dataset (``data.classes`` wins over the files)."""
    data = config["data"]
    if data.get("classes"):
        return list(data["classes"])
    if task == "segmentation":
        from zoo.data.paths import resolve_data_dir
        from zoo.segmentation.data.readers import read_segmentation_dataset

        return read_segmentation_dataset(
            resolve_data_dir(data["root"]), data.get("train_split", "train")
        ).class_names
    if task == "detection":
        from zoo.detection.train import dataset_for_config

        return dataset_for_config(config)[0].class_names
    raise DataError(f"{data['root']}: cannot tell the classes of this {task} dataset")


def prepare_finetune(model, config: dict):
    """Return the model to fine-tune on ``config``'s data: ``model``, or a copy with a new head.

    Translation models keep their tokenizer and vocabulary, so they are returned as they are.
    """
    task = getattr(model, "task", None)
    if task == "translation":
        return model
    names = dataset_class_names(task, config)
    config.setdefault("data", {})["classes"] = names
    return with_new_head(model, names)
