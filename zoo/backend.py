"""Import Keras quietly: TensorFlow's start-up notices kept off stderr.

TensorFlow 2.20+ prints absl/oneDNN notices on stderr at import even with
``TF_CPP_MIN_LOG_LEVEL=3``, which would break the CLI's one-line error contract. Any layer
that is about to import Keras for a user-facing command (the CLI, the export cache of
:mod:`zoo.runtime.cache`) calls :func:`setup_backend` first.

Example:
    >>> setup_backend()
    >>> import keras
"""

from __future__ import annotations

import os
import sys


def setup_backend() -> None:
    """Import Keras with TensorFlow's start-up logs kept off stderr.

    stderr is silenced at the file-descriptor level while Keras imports (unless
    ``TF_CPP_MIN_LOG_LEVEL`` asks for logs, i.e. is set below 3).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" in sys.modules or os.environ["TF_CPP_MIN_LOG_LEVEL"] != "3":
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
