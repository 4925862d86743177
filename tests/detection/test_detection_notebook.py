"""Execute notebooks/detection.ipynb with nbclient and check what each part produced.

It needs ``$ZOO_DATA`` with ``darknet/yolo-fastest-1.1.*``, ``coco128`` and ``raccoon`` (skipped,
saying which is missing, otherwise). The ``yolo-wildlife`` part runs when
``weights/manifest.json`` has that model and says it skips otherwise; both are checked.
"""

from __future__ import annotations

import pytest

from zoo.weights import manifest


@pytest.mark.slow
@pytest.mark.data
def test_notebook_executes(zoo_data, run_notebook):
    needed = [
        zoo_data / "darknet" / "yolo-fastest-1.1.cfg",
        zoo_data / "darknet" / "yolo-fastest-1.1.weights",
        zoo_data / "darknet" / "coco.names",
        zoo_data / "coco128" / "images" / "000000000074.jpg",
        zoo_data / "raccoon" / "annotations",
    ]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        pytest.skip(f"shared data missing: {', '.join(missing)} (set ZOO_DATA)")

    text, images = run_notebook("detection")  # CellExecutionError, naming the cell, on any error
    assert (
        "yolo-fastest-1.1 -> yolo-fastest-1.1.keras: darknet-yolo, 320x320 input, 80 classes"
        in text
    )
    assert "detections on 000000000074.jpg" in text and "dog" in text
    assert "AP on 16 coco128 images" in text and "COCO AP" in text
    has_wildlife = "yolo-wildlife" in manifest()
    assert ("yolo-wildlife (" in text) == has_wildlife
    assert ("yolo-wildlife is not in weights/manifest.json yet" in text) != has_wildlife
    assert "on 8 raccoon images, classes ['raccoon']: loss per epoch" in text
    assert len(images) == 1 + has_wildlife  # coco128 detections (+ yolo-wildlife's)
