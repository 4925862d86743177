"""Shared pieces of the speed benchmarks (``apps/*/benchmark.py``): machine, timers, report.

Each application's script keeps what it measures and how its table reads; this module records
where the numbers come from (CPU, cores, load, Python, Keras, backend and library versions),
times repeated calls (median of the timed repeats, after untimed warm-up calls), times one
whole command-line process, and prints / writes the results.

Example:
    >>> from zoo.benchmarking import provenance, report, time_calls
    >>> timing, masks = time_calls(lambda: model.segment(images), warmup=2, repeats=7)
    ... # doctest: +SKIP
    >>> results = {**provenance("apps/segmentation/benchmark.py", []), "timing": timing}
    ... # doctest: +SKIP
    >>> report("| measure | ... |", results, Path("runs/bench.json"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


# the vector and matrix extensions that decide a CPU's speed here, as /proc/cpuinfo names them
CPU_FEATURES = (("avx512f", "AVX-512"), ("amx_tile", "AMX"), ("avx2", "AVX2"))


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo`` where there is one, else ``platform``), with
    its widest vector extensions, since virtual machines often hide the model.

    Example:
        >>> cpu_name()  # doctest: +SKIP
        'Intel(R) Xeon(R) Processor (AVX-512, AMX)'
    """
    name, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    features = [label for flag, label in CPU_FEATURES if flag in flags]
    if "AVX-512" in features and "AVX2" in features:
        features.remove("AVX2")
    return f"{name} ({', '.join(features)})" if features else name


def ratios_to_reference(
    rows: Sequence[Mapping], rate: str, same: Callable[[Mapping], object], reference="keras"
) -> list[str]:
    """Each row's ``rate`` over the ``reference`` runtime's row that ``same`` pairs it with,
    as text for a table (``""`` where there is none).

    Example:
        >>> rows = [{"runtime": "keras", "b": 1, "r": 2.0}, {"runtime": "onnx", "b": 1, "r": 5.0}]
        >>> ratios_to_reference(rows, "r", lambda row: row["b"])
        ['1.00', '2.50']
    """
    refs = {same(row): row[rate] for row in rows if row["runtime"] == reference}
    return [f"{row[rate] / refs[same(row)]:.2f}" if refs.get(same(row)) else "" for row in rows]


def runtime_versions() -> dict:
    """Versions of the exported-model runtimes (onnxruntime, ai-edge-litert) and whether the
    CPU has AVX-512, for :func:`machine`'s ``libraries``.

    Example:
        >>> sorted(runtime_versions())  # doctest: +SKIP
        ['ai_edge_litert', 'avx512', 'onnxruntime']
    """
    from importlib.metadata import version

    found: dict = {k: version(k.replace("_", "-")) for k in ("onnxruntime", "ai_edge_litert")}
    found["avx512"] = "AVX-512" in cpu_name()
    return found


def runtimes_line(device: Mapping) -> str:
    """One line naming where runtime figures come from: CPU, cores, load, Keras and the
    exported-model runtimes (a :func:`machine` record with :func:`runtime_versions`)."""
    avx = "AVX-512" if device.get("avx512") else "no AVX-512"
    return (
        f"{device['cpu']}, {device['cpu_count']} cores, {avx}; 1-min load "
        f"{device['load_avg_1m']:.1f}; Keras {device['keras']} ({device['backend']}), "
        f"onnxruntime {device.get('onnxruntime')}, ai-edge-litert {device.get('ai_edge_litert')}"
    )


def machine(libraries: Mapping[str, object] | None = None, tf_threads: Sequence[str] = ()) -> dict:
    """The device the numbers come from: CPU, cores, 1-min load, versions, backend and GPUs.

    Args:
        libraries: more entries, placed after ``python`` (e.g. the version and thread count of
            a library the benchmark compares against).
        tf_threads: which TensorFlow thread settings to record, ``"intra_op"`` and/or
            ``"inter_op"``, as ``tf_<name>_threads`` (0: TensorFlow's default, all cores).

    Under TensorFlow the dict also holds ``tensorflow`` (its version), under JAX ``jax``;
    ``gpus`` lists the backend's GPUs (empty on a CPU).

    Example:
        >>> info = machine({"opencv": cv2.__version__}, tf_threads=["intra_op"])  # doctest: +SKIP
        >>> info["cpu_count"], info["backend"]  # doctest: +SKIP
        (2, 'tensorflow')
    """
    import keras

    info = {
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "load_avg_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        **(libraries or {}),
        "keras": keras.__version__,
        "backend": keras.config.backend(),
        "gpus": [],
    }
    if info["backend"] == "tensorflow":
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
        getters = {
            "intra_op": tf.config.threading.get_intra_op_parallelism_threads,
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads,
        }
        for name in tf_threads:
            info[f"tf_{name}_threads"] = getters[name]()
        info["gpus"] = [d.name for d in tf.config.list_physical_devices("GPU")]
    elif info["backend"] == "jax":
        import jax

        info["jax"] = jax.__version__
        info["gpus"] = [str(d) for d in jax.devices() if d.platform != "cpu"]
    return info


def provenance(script: str, argv: Sequence[str] | None = None, device: dict | None = None) -> dict:
    """The ``command``, ``date`` and ``machine`` entries of a benchmark's results.

    ``argv`` are the script's arguments (default ``sys.argv[1:]``), ``device`` the script's own
    record of the machine (default :func:`machine`).

    Example:
        >>> provenance("apps/translation/benchmark.py", ["--limit", "100"])["command"]
        ... # doctest: +SKIP
        'python apps/translation/benchmark.py --limit 100'
    """
    shown = sys.argv[1:] if argv is None else argv
    return {
        "command": " ".join([f"python {script}", *map(str, shown)]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine() if device is None else device,
    }


def time_calls(fn: Callable[[], T], warmup: int, repeats: int) -> tuple[dict, T]:
    """Call ``fn()`` ``warmup`` times untimed, then ``repeats`` times timed.

    Returns ``({"warmup", "repeats", "median_s", "min_s"}, what the last call returned)``.

    Example:
        >>> timing, _ = time_calls(lambda: sum(range(1000)), warmup=1, repeats=3)
        >>> sorted(timing)
        ['median_s', 'min_s', 'repeats', 'warmup']
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, not {repeats}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    timing = {
        "warmup": warmup,
        "repeats": repeats,
        "median_s": statistics.median(times),
        "min_s": min(times),
    }
    return timing, result


def time_command(cmd: Sequence[str], name: str) -> float:
    """Wall seconds of one process ``cmd``, start-up included (TensorFlow's logging off).

    A failing process ends the benchmark: ``SystemExit`` naming ``name``, the exit status and
    the last lines the process wrote to stderr.

    Example:
        >>> time_command([sys.executable, "-m", "zoo", "--help"], "zoo --help")  # doctest: +SKIP
        3.1
    """
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        raise SystemExit(f"benchmark: {name} failed ({proc.returncode}): {' | '.join(tail)}")
    return wall


def report(table: str, results: dict, json_path: Path | None = None) -> None:
    """Print the markdown ``table``, add it to ``results``; write them as JSON to ``json_path``.

    ``results["table"]`` is the table printed: the records committed as
    ``apps/<app>/results/*.json`` are rendered by the docs site from it.

    Example:
        >>> report("| a |\\n| --- |", {"a": 1}, Path("runs/bench.json"))  # doctest: +SKIP
        | a |
        | --- |
    """
    print(table)
    results["table"] = table
    if json_path:
        json_path = Path(json_path)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(results, indent=2) + "\n")
        print(f"benchmark: wrote {json_path}", file=sys.stderr)
