"""The settings of one ``zoo serve`` run, passed to each worker process as JSON.

Example:
    >>> ServeConfig(models=["yolo-fastest-xl-coco"]).max_batch
    8
"""

from __future__ import annotations

import dataclasses
import json
import os

ENV = "ZOO_SERVE_CONFIG"


@dataclasses.dataclass
class ServeConfig:
    """What ``zoo serve``'s options set (see ``zoo serve --help``)."""

    models: list[str] = dataclasses.field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    api_key: str | None = None
    max_batch: int = 8
    max_wait_ms: float = 10.0
    max_queue: int = 64
    timeout_s: float = 60.0
    max_body_mb: float = 32.0
    max_image_pixels: int | None = None
    max_texts: int = 64
    max_text_chars: int = 2000
    threads: int | None = None

    def to_env(self) -> None:
        """Store the settings where worker processes find them (:meth:`from_env`)."""
        os.environ[ENV] = json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_env(cls) -> ServeConfig:
        return cls(**json.loads(os.environ.get(ENV, "{}")))

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)
