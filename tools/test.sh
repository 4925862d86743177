#!/usr/bin/env bash
# The test command of the README: lint, then two lanes side by side (one per core):
#   lane 1: the whole suite under TensorFlow;
#   lane 2: the model tests again under JAX, then the distributed tests (they start their own
#           backends in subprocesses).
# Much of a test is single-threaded (imports, tracing, compiling, subprocesses), so the lanes
# share two cores better than one after the other. Lane 2 has its own pytest temp folder and
# ZOO_CACHE; its output is printed when lane 1 ends. Extra pytest arguments pass through to
# the TensorFlow and JAX runs, e.g. `-k fcn`; a `-m` given there replaces the default marker.
# ZOO_TEST_LANES=1 runs the lanes one after the other.
set -euo pipefail
# TensorFlow 2.21's oneDNN convolution gradient corrupts the heap on some CPUs (seen on an AMD
# EPYC with AVX-512: a small LiteNet FCN's backward pass at 96x96 aborts; 64x64 and TensorFlow's
# own kernels are fine), which would end the whole TensorFlow run. The tests check results, not
# speed, so they use TensorFlow's own kernels unless told otherwise.
export TF_ENABLE_ONEDNN_OPTS="${TF_ENABLE_ONEDNN_OPTS:-0}"
ruff check zoo tests apps tools
ruff format --check zoo tests apps tools

lane2_dir="$(mktemp -d "${TMPDIR:-/tmp}/zoo-lane2.XXXXXX")"
lane2_pid=""
# on any exit (Ctrl-C included) stop lane 2, its own process group, and remove its folder
cleanup() {
  if [ -n "$lane2_pid" ]; then kill -- "-$lane2_pid" 2>/dev/null || true; fi
  rm -rf "$lane2_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lane2() {
  # exit 5 is "no test selected": a `-k` that picks no model test is not a failure
  KERAS_BACKEND=jax ZOO_CACHE="$lane2_dir/cache" python3 -m pytest -q -p no:cacheprovider \
    --basetemp="$lane2_dir/jax" --durations=15 -m "model and not distributed" "$@" ||
    [ $? = 5 ] || return 1
  python3 -m pytest -q -p no:cacheprovider --basetemp="$lane2_dir/distributed" \
    --durations=10 -m distributed tests/distributed
}

if [ "${ZOO_TEST_LANES:-2}" = 1 ]; then
  KERAS_BACKEND=tensorflow python3 -m pytest -q --durations=25 -m "not distributed" "$@"
  lane2 "$@"
  exit 0
fi

set -m # lane 2 in a process group of its own, so that cleanup can stop all of it
lane2 "$@" >"$lane2_dir/log" 2>&1 &
lane2_pid=$!
set +m
status=0
KERAS_BACKEND=tensorflow python3 -m pytest -q --durations=25 -m "not distributed" "$@" || status=$?
wait "$lane2_pid" || status2=$?
lane2_pid=""
echo "---- lane 2: model tests under JAX, then the distributed tests ----"
cat "$lane2_dir/log"
if [ "$status" != 0 ] || [ "${status2:-0}" != 0 ]; then
  echo "tools/test.sh: TensorFlow lane exit $status, JAX + distributed lane exit ${status2:-0}"
  exit 1
fi
