"""The registered driving architecture ``drive`` (see :class:`zoo.drive.model.DriveModel`).

A recipe may name the detector's classes by file: ``detection_classes_file`` (a path under
``$ZOO_DATA`` or absolute, one name a line, e.g. ``darknet/coco.names``).

Example:
    >>> import zoo
    >>> model = zoo.create_model("drive", backbone_config={"cfg": cfg_text})  # doctest: +SKIP
"""

from __future__ import annotations

from zoo.drive.model import DriveModel
from zoo.registry import register_model


@register_model("drive", task="drive")
def drive(num_classes: int = 11, **config) -> DriveModel:
    """Build a driving model (see :class:`zoo.drive.model.DriveModel`)."""
    names_file = config.pop("detection_classes_file", None)
    if names_file is not None:
        from zoo.data.paths import resolve_data_dir
        from zoo.detection.convert import read_names

        config["detection_classes"] = read_names(resolve_data_dir(names_file))
    return DriveModel(num_classes=num_classes, **config)
