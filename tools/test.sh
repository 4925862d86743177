#!/usr/bin/env bash
# The test command of the README: lint, the whole suite under TensorFlow, the model tests
# again under JAX, then the distributed tests once (they start their own backends in
# subprocesses). Extra pytest arguments pass through to the first two, e.g. `-k fcn`; a `-m`
# given there replaces the "not distributed" default.
set -euo pipefail
ruff check zoo tests apps tools
ruff format --check zoo tests apps tools
KERAS_BACKEND=tensorflow python3 -m pytest -q --durations=25 -m "not distributed" "$@"
KERAS_BACKEND=jax python3 -m pytest -q --durations=15 -m "model and not distributed" "$@"
python3 -m pytest -q --durations=10 -m distributed tests/distributed
