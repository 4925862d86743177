"""``zoo serve``: the models as a web service (Open Inference Protocol v2, plain endpoints and
a page to try them); see :mod:`zoo.serve`.

Example:
    $ zoo serve
    $ zoo serve yolo-fastest-xl-coco --port 9000 --api-key "$KEY" --max-batch 16
"""

from __future__ import annotations

import click

from zoo.cli.options import count_option, number_option


@click.command()
@click.argument("models", nargs=-1, metavar="[MODEL]...")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@count_option("--port", default=8000, low=0, high=65535)
@count_option(
    "--workers", default=1, low=1, high=64, help="Server processes (each loads every model)."
)
@click.option(
    "--api-key",
    default=None,
    envvar="ZOO_SERVE_API_KEY",
    help="Require 'Authorization: Bearer KEY' on every endpoint but health, the page and the "
    "docs [env: ZOO_SERVE_API_KEY].",
)
@count_option(
    "--max-batch",
    default=8,
    low=1,
    high=256,
    help="Most images or sentences run together (1: no batching).",
)
@number_option(
    "--max-wait-ms",
    default=10.0,
    low=0,
    high=3_600_000,
    help="Longest wait for a batch to fill, from its first request.",
)
@count_option(
    "--max-queue",
    default=64,
    low=1,
    high=100000,
    help="Requests waiting per model before 503 + Retry-After.",
)
@number_option("--timeout", default=60.0, low=0.1, help="Seconds.")
@number_option("--max-body-mb", default=32.0, low=0.001, help="MB.")
@count_option("--max-texts", default=64, low=1, help="Per request.")
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 256),
    help="Runtime threads per model [default: $ZOO_THREADS or every core].",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def serve(models, host, port, workers, api_key, max_batch, max_wait_ms, max_queue, timeout,
          max_body_mb, max_texts, threads, log_level):  # fmt: skip
    """Serve MODELs (default: one per application) over HTTP until SIGTERM / Ctrl-C.

    Open Inference Protocol v2 at /v2 (tritonclient, KServe clients), POST /detect, /segment
    and /translate, OpenAPI docs at /docs, Prometheus metrics at /metrics and a page to try
    the models at /. Each model runs in its fastest runtime (LiteRT / ONNX exports cached in
    ZOO_CACHE). SIGTERM lets requests in flight finish before the server exits.
    """
    from zoo.serve import DEFAULT_MODELS, require_extra

    require_extra()
    import logging
    import os

    from zoo.cli.common import setup_backend
    from zoo.serve.config import ServeConfig
    from zoo.serve.run import serve_forever
    from zoo.serve.served import load_served, served_runtime

    names = list(dict.fromkeys(models or DEFAULT_MODELS))
    pixels = os.environ.get("ZOO_MAX_IMAGE_PIXELS")
    config = ServeConfig(
        models=names, host=host, port=port, workers=workers, api_key=api_key,
        max_batch=max_batch, max_wait_ms=max_wait_ms, max_queue=max_queue, timeout_s=timeout,
        max_body_mb=max_body_mb, max_texts=max_texts, threads=threads,
        max_image_pixels=int(pixels) if pixels else None,
    )  # fmt: skip
    if any(served_runtime(name) == "keras" for name in names):
        setup_backend()  # Keras' start-up notices kept off stderr
    # a wrong name fails here, in one line, before the server starts; exports are made once
    served = {name: load_served(name, threads) for name in names}
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    serve_forever(config, served if workers == 1 else {}, log_level)


COMMANDS = [serve]
