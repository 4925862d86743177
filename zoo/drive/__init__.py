"""Driving perception: one Darknet backbone per frame, COCO detection and CamVid segmentation.

Example:
    >>> import zoo
    >>> model = zoo.load("drive-camvid-coco")  # doctest: +SKIP
    >>> result = model.perceive([frame])[0]  # doctest: +SKIP
    >>> result["mask"].shape, result["boxes"].shape  # doctest: +SKIP
    ((360, 480), (5, 4))
"""
