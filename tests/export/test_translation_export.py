"""ONNX / LiteRT translation exports: companion files, metadata, and a TensorFlow-free load.

The BLEU parity with Keras is in ``test_export_parity.py``; the search itself in
``tests/translation/test_numpy_search.py``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import zoo
from zoo.errors import ZooError

pytestmark = pytest.mark.slow  # exports take a minute or two each on a loaded 2-core machine
NAME = "rnnsearch-multi30k-en-de"


@pytest.mark.parametrize("fmt", ["onnx", "litert"])
def test_files_and_metadata(fmt, exported):
    from zoo.runtime import load_exported
    from zoo.weights import manifest

    path = exported(NAME, fmt)
    meta = load_exported(path).metadata
    files = meta["files"]
    assert files["encoder"] == path.name
    assert all((path.parent / f).is_file() for f in files.values())
    assert files["decoder_step"].endswith(".decoder_step" + path.suffix)
    assert meta["role"] == "encoder" and meta["task"] == "translation"
    assert meta["ids"] == {"pad": 0, "unk": 1, "bos": 2, "eos": 3}
    assert meta["max_tokens"] == 64 and meta["vocab_size"] == 8000
    assert meta["search"]["beam"] == 5 and meta["search"]["length_penalty"] == "gnmt"
    assert meta["source"]["sha256"] == manifest()[NAME]["sha256"]
    assert meta["zoo_version"] == zoo.__version__ and meta["languages"] == ["en", "de"]
    with pytest.raises(ZooError, match="decoder step"):
        load_exported(path.parent / files["decoder_step"])


@pytest.mark.parametrize("fmt", ["onnx", "litert"])
def test_translate_without_tensorflow(fmt, exported):
    """zoo.load + translate of an ONNX / LiteRT translation file imports no TF, Keras, JAX;
    a line longer than the window is split and joined back as in Keras."""
    path = exported(NAME, fmt)
    code = (
        "import sys, zoo\n"
        f"m = zoo.load({str(path)!r})\n"
        "long = ' '.join(['A man is riding a bike down the street.'] * 12)\n"
        "out = m.translate(['Two dogs are playing in the snow.', '', long], beam=3)\n"
        "bad = sorted({'tensorflow', 'keras', 'jax'} & set(sys.modules))\n"
        "print(type(m).__name__, bool(out[0]), out[1] == '', out[2].count(' ') > 40, bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    )
    assert out.stdout.split() == ["ExportedTranslator", "True", "True", "True", "[]"], (
        out.stdout + out.stderr[-2000:]
    )
