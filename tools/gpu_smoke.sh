#!/usr/bin/env bash
# Train each application's model a few hundred steps under JAX and print examples/s and MFU
# (tools/gpu_smoke.py). Extra arguments pass through, e.g. `--devices 8 --peak-tflops 989`;
# the CPU check: `bash tools/gpu_smoke.sh --tiny --steps 3 --warmup 1`.
# The interpreter is $PYTHON when set (e.g. `PYTHON=.venv/bin/python bash tools/gpu_smoke.sh`),
# else python3 from PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
KERAS_BACKEND=jax PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "${PYTHON:-python3}" tools/gpu_smoke.py "$@"
