"""Run by the distributed tests in a fresh process (its own backend and device count).

``python child.py SPEC.json``: SPEC names the application (``task``), its tiny ``config``,
``devices`` and optionally ``coordinator``/``num_processes``/``process_id``, ``resume``,
``baseline`` (first train once on one device in this process) and ``out`` (an ``.npz`` with
the final weights, ``one_*`` and ``dp_*``). The config goes through the applications' own
training functions, i.e. the one training path of :mod:`zoo.training.run`.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np


def train(task: str, config: dict, out_dir: str, resume: bool = False):
    config = json.loads(json.dumps(config))
    if task == "translation":
        from zoo.translation.train import train_translation

        history = train_translation({**config, "output_dir": out_dir})
    else:
        from zoo.cli.train_cmd import run_recipe

        config["train"]["out_dir"] = out_dir
        history = run_recipe(config, resume=resume)
    return [np.asarray(v.value) for v in history.model.weights]


def kill_at(where: str) -> None:
    """SIGKILL this process after training batch ``"epoch,batch"`` (a crashed worker)."""
    import signal

    import keras

    import zoo.training.run as R

    epoch, batch = (int(x) for x in where.split(","))

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, e, logs=None):
            self.epoch = e

        def on_train_batch_end(self, b, logs=None):
            if (self.epoch, b) == (epoch, batch):
                os.kill(os.getpid(), signal.SIGKILL)

    fit = R.fit
    R.fit = lambda *a, **k: fit(*a, **{**k, "after": [*k.get("after", ()), Kill()]})


def main() -> None:
    with open(sys.argv[1]) as handle:
        spec = json.load(handle)
    devices = int(spec.get("devices", 1))
    if os.environ.get("KERAS_BACKEND") == "jax":
        from zoo.training.flags import cpu_device_flag

        cpu_device_flag(devices)
    elif os.environ.get("KERAS_BACKEND") == "tensorflow":
        from zoo.training.flags import tensorflow_device_flag

        tensorflow_device_flag(devices)
    import keras

    import zoo.training.devices as D
    import zoo.training.run as R

    run = R.start_run(  # first: TensorFlow's logical devices precede any computation
        devices,
        spec.get("coordinator"),
        int(spec.get("num_processes", 1)),
        int(spec.get("process_id", 0)),
    )
    if os.environ.get("KILL_AT"):
        kill_at(os.environ["KILL_AT"])
    arrays = {}
    if spec.get("baseline"):  # the same training on one device, in this process
        distribution = keras.distribution.distribution() if run.backend == "jax" else None
        R.end_run()
        one = train(spec["task"], spec["config"], spec["run_dir"] + "-one")
        arrays.update({f"one_{i}": w for i, w in enumerate(one)})
        D._RUN = run
        if distribution is not None:
            keras.distribution.set_distribution(distribution)
    dp = train(spec["task"], spec["config"], spec["run_dir"], resume=spec.get("resume", False))
    arrays.update({f"dp_{i}": w for i, w in enumerate(dp)})
    np.savez(spec["out"], **arrays)
    print("child: done", flush=True)


if __name__ == "__main__":
    main()
