"""Store published models' weights as float16 and re-measure them with their own eval command.

For each NAME in ``weights/manifest.json``: rewrites ``weights/<file>`` in place with float16
weights (``zoo/half_precision.py``; the model still loads and runs in float32), updates the
record's sha256, size and ``weights_storage``, runs the record's ``eval_command`` and records
the new metrics. Prints the metrics before and after.

Example:
    python tools/halve_weights.py fcn8s-camvid rnnsearch-multi30k-en-de
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from publish import run_eval  # tools/ is not a package: found through sys.path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    args = parser.parse_args(argv)

    from zoo.half_precision import is_half_precision_file, to_half_precision_file
    from zoo.weights import manifest, sha256_of, weights_dir, write_manifest

    status = 0
    for name in args.names:
        records = manifest()
        if name not in records:
            print(f"halve_weights: {name}: not in the manifest", file=sys.stderr)
            status = 1
            continue
        record = records[name]
        path = weights_dir() / record["file"]
        if is_half_precision_file(path):
            print(f"halve_weights: {path}: already float16; skipped", file=sys.stderr)
            continue
        to_half_precision_file(path, path)
        record.update(
            sha256=sha256_of(path), size_bytes=path.stat().st_size, weights_storage="float16"
        )
        write_manifest(records)
        metrics = run_eval(record["eval_command"])
        if metrics is None:
            status = 1
            continue
        before = record["metrics"]
        record["metrics"] = metrics
        write_manifest(records)
        print(json.dumps({"name": name, "before": before, "after": metrics}))
    return status


if __name__ == "__main__":
    sys.exit(main())
