"""``zoo serve``: the zoo models as a web service that standard clients speak to.

One process serves several models, each through its fastest runtime (the cached LiteRT / ONNX
exports of :mod:`zoo.runtime.cache`), over

- the **Open Inference Protocol v2** (KServe / Triton / MLServer): ``/v2/health/live``,
  ``/v2/health/ready``, ``/v2/models/{name}``, ``/v2/models/{name}/ready``,
  ``POST /v2/models/{name}/infer`` in JSON or with the binary tensor data extension;
- plain endpoints for people and small apps: ``POST /detect``, ``/segment`` (multipart image),
  ``/translate`` (JSON), documented at ``/docs``;
- a page at ``/`` to try them in a browser (offline: the files ship in the package).

Concurrent requests to a model are gathered into batches (:mod:`zoo.serve.batcher`).

Example:
    $ zoo serve                          # the default models on 127.0.0.1:8000
    $ zoo serve yolo-fastest-xl-coco --port 9000 --api-key "$KEY"
"""

from __future__ import annotations

import importlib.util

from zoo.errors import ZooError

# The models `zoo serve` serves when none is named: one per application.
DEFAULT_MODELS = ("fcn8s-camvid", "yolo-fastest-xl-coco", "rnnsearch-en-fr")

EXTRA_MODULES = ("fastapi", "uvicorn", "multipart", "prometheus_client", "tritonclient")


def require_extra() -> None:
    """Raise one line naming the extra to install when the server's libraries are missing."""
    missing = [m for m in EXTRA_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise ZooError(
            f'zoo serve needs {", ".join(missing)}: pip install "zoo[serve]" '
            '(from a clone: pip install ".[serve]")'
        )
