#!/usr/bin/env bash
# The test command of the README: lint, the whole suite under TensorFlow, the model tests
# again under JAX. Pass extra pytest arguments through, e.g. `bash tools/test.sh -m "not slow"`.
set -euo pipefail
ruff check zoo tests apps tools
ruff format --check zoo tests apps tools
KERAS_BACKEND=tensorflow python3 -m pytest -q "$@"
KERAS_BACKEND=jax python3 -m pytest -q -m model "$@"
