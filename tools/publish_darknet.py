"""Publish a COCO-trained Darknet detector as a project model, converted by ``zoo convert``.

Converts the original ``.cfg`` + ``.weights`` with the project's own converter (the exact
``zoo convert darknet`` command is recorded), stores the weights as float16
(``weights/<name>.keras``, see ``zoo/half_precision.py``), evaluates that file with
``zoo eval`` and writes the manifest record with the upstream source: repository, commit,
licence and the sha256 of the original files.

Example:
    python tools/publish_darknet.py yolo-fastest-xl-coco \
        --cfg '$ZOO_DATA/darknet/yolo-fastest-1.1-xl.cfg' \
        --weights '$ZOO_DATA/darknet/yolo-fastest-1.1-xl.weights' \
        --names '$ZOO_DATA/darknet/coco.names' --data '$ZOO_DATA/coco128' \
        --repository https://github.com/dog-qiuqiu/Yolo-Fastest \
        --commit 9c62b1c50e024fb73d29a651133b1d63548e63a1 \
        --upstream-path ModelZoo/yolo-fastest-1.1_coco --licence "YOLO LICENSE" --default
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from publish import publish

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

COCO_DATASET = (
    "COCO 2017 train (80 classes), trained upstream; metrics measured here on coco128 "
    "(128 COCO 2017 val images, 939 boxes), all images"
)
COCO_LICENCE = "COCO terms of use: annotations CC BY 4.0, images from Flickr under their own terms"


def expand(text: str) -> str:
    """``$ZOO_DATA`` (default ``../shared/data``) and other variables expanded."""
    return os.path.expandvars(
        text.replace("$ZOO_DATA", os.environ.get("ZOO_DATA", "../shared/data"))
    )


def convert(cfg: str, weights: str, names: str, out: Path) -> str:
    """Run ``zoo convert darknet`` into ``out``; returns the command as recorded."""
    command = f"zoo convert darknet {cfg} {weights} --names {names} --out {out.name}"
    argv = [sys.executable, "-m", "zoo", *shlex.split(expand(command))[1:]]
    argv[-1] = str(out)
    subprocess.run(argv, check=True)
    return command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--cfg", required=True, help="Darknet .cfg, as written in the command")
    parser.add_argument("--weights", required=True, help="Darknet .weights")
    parser.add_argument("--names", required=True, help="class names file (coco.names)")
    parser.add_argument("--data", required=True, help="evaluation data folder (coco128)")
    parser.add_argument("--split", default="all")
    parser.add_argument("--repository", required=True, help="upstream repository URL")
    parser.add_argument("--commit", required=True, help="upstream commit of the files")
    parser.add_argument("--upstream-path", required=True, help="folder of the files upstream")
    parser.add_argument("--licence", required=True, help="upstream licence of the weights")
    parser.add_argument("--default", action="store_true", help="the task's default model")
    parser.add_argument("--notes", default="")
    args = parser.parse_args(argv)

    from zoo.api import load_model_file
    from zoo.half_precision import to_half_precision_file
    from zoo.weights import sha256_of, weights_dir

    out = weights_dir() / f"{args.name}.keras"
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / out.name
        convert_command = convert(args.cfg, args.weights, args.names, full)
        to_half_precision_file(full, out)
    model = load_model_file(out, compile=False)
    eval_command = f"zoo eval weights/{out.name} --data {args.data} --split {args.split} --json"
    files = {
        role: {"file": Path(path).name, "sha256": sha256_of(expand(path))}
        for role, path in (("cfg", args.cfg), ("weights", args.weights), ("names", args.names))
    }
    source = {"repository": args.repository, "commit": args.commit}
    source.update(path=args.upstream_path, files=files, licence=args.licence)
    fields = {"weights_storage": "float16", "default": bool(args.default)}
    fields.update(train_command=convert_command, recipe=None, source=source)
    fields.update(dataset=COCO_DATASET, dataset_licence=COCO_LICENCE)
    return publish(args, model, eval_command, fields)


if __name__ == "__main__":
    sys.exit(main())
