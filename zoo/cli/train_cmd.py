"""``zoo train`` (from a recipe) and ``zoo finetune`` (from a trained model, on new data)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from zoo.cli.common import setup_backend
from zoo.errors import ZooError


def devices_options(command):
    """``--devices``, ``--coordinator``, ``--num-processes``, ``--process-id`` (data parallel)."""
    options = [
        click.option(
            "--devices",
            type=click.IntRange(1),
            default=1,
            show_default=True,
            help="Local devices per process (data parallel; the recipe's batch is global).",
        ),
        click.option(
            "--coordinator",
            metavar="HOST:PORT",
            default=None,
            help="Process 0's address for several processes or hosts (TensorFlow: worker i "
            "listens on PORT+i).",
        ),
        click.option("--num-processes", type=click.IntRange(1), default=1, show_default=True),
        click.option("--process-id", type=click.IntRange(0), default=0, show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def keras_backend() -> str:
    """The backend Keras will use: ``KERAS_BACKEND``, else ``~/.keras/keras.json``."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    config = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    try:
        return json.loads(config.read_text()).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


def start_devices(devices: int, coordinator, num_processes: int, process_id: int):
    """Set up the devices and processes before Keras builds anything; returns the Run.

    Under JAX, ``--devices N`` on a CPU needs N host devices, which XLA creates only when
    ``XLA_FLAGS`` asks before jax is imported: set here when absent (it changes nothing on
    GPUs). The engines' own variables work too: ``KERAS_DISTRIBUTION_JOB_ADDRESSES`` /
    ``_NUM_PROCESSES`` / ``_PROCESS_ID`` (JAX), ``TF_CONFIG`` (TensorFlow).
    """
    if keras_backend() == "jax":
        from zoo.training.flags import cpu_device_flag

        cpu_device_flag(devices)
    elif keras_backend() == "tensorflow":
        from zoo.training.flags import tensorflow_device_flag

        tensorflow_device_flag(devices)
    setup_backend()
    from zoo.training.run import start_run

    if coordinator is None and os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES"):
        coordinator = os.environ["KERAS_DISTRIBUTION_JOB_ADDRESSES"].split(",")[0]
        num_processes = int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", num_processes))
        process_id = int(os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID", process_id))
    return start_run(devices, coordinator, num_processes, process_id)


def run_recipe(config: dict, resume: bool = False, init_model=None):
    """Dispatch a resolved recipe to its application's trainer."""
    task = config["task"]
    if task == "segmentation":
        from zoo.segmentation.train import train_segmentation

        return train_segmentation(config, resume=resume, init_model=init_model)
    if task == "detection":
        from zoo.detection.train import train_detection

        return train_detection(config, resume=resume, init_model=init_model)
    if task == "translation":
        from zoo.translation.recipe import flatten_recipe
        from zoo.translation.train import train_translation

        # An interrupted translation run resumes by itself (BackupAndRestore in its out_dir).
        return train_translation(flatten_recipe(config), init_model=init_model)
    raise ZooError(f"{config.get('recipe')}: unknown task {task!r}")


@click.command()
@click.argument("recipe", type=click.Path(exists=True, dir_okay=False))
@click.argument("overrides", nargs=-1, metavar="[KEY=VALUE]...")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a recipe value, e.g. --set train.epochs=10 (repeatable).",
)
@click.option(
    "--resume", is_flag=True, help="Continue an interrupted run from its last checkpoint."
)
@devices_options
def train(recipe, overrides, sets, resume, devices, coordinator, num_processes, process_id):
    """Train a model from a TOML RECIPE (apps/<app>/recipes/*.toml).

    Checkpoints every epoch (last.keras) and keeps the best on val (best.keras) in the
    recipe's train.out_dir, with CSV and TensorBoard logs. With --devices / --coordinator
    it trains data parallel; only process 0 writes.
    """
    start_devices(devices, coordinator, num_processes, process_id)
    from zoo.training.recipe import load_recipe

    config = load_recipe(recipe, [*sets, *overrides])
    run_recipe(config, resume=resume)


def finetune_recipe(task: str) -> Path:
    """The fine-tuning recipe of a task: the checkout's ``apps/<task>/recipes/finetune.toml``,
    or the copy an installed ``zoo`` ships in ``zoo/_recipes/<task>/``."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (
        package.parent / "apps" / task / "recipes" / "finetune.toml",
        package / "_recipes" / task / "finetune.toml",
    ):
        if candidate.is_file():
            return candidate
    raise ZooError(f"no fine-tuning recipe for {task} (apps/{task}/recipes/finetune.toml)")


@click.command()
@click.argument("model_name", metavar="MODEL")
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Your dataset folder.",
)
@click.option("--classes", default=None, help="Comma-separated class names (a new head).")
@click.option("--epochs", default=None, type=click.IntRange(1, 10000), help="Epochs to train.")
@click.option("--out", "out_dir", default=None, help="Run folder [default: runs/<model>-finetune].")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a recipe value.")
@click.option("--resume", is_flag=True, help="Continue an interrupted fine-tuning run.")
@devices_options
def finetune(
    model_name,
    data_dir,
    classes,
    epochs,
    out_dir,
    sets,
    resume,
    devices,
    coordinator,
    num_processes,
    process_id,
):
    """Fine-tune a trained MODEL on your data; new classes replace the head."""
    run = start_devices(devices, coordinator, num_processes, process_id)
    from zoo.api import load
    from zoo.training.recipe import load_recipe

    with run.scope():
        model = load(model_name)
    task = getattr(model, "task", None)
    if task not in ("segmentation", "detection", "translation"):
        raise ZooError(f"{model_name}: not a zoo task model")
    recipe = finetune_recipe(task)
    overrides = [f"data.root={data_dir!r}", *sets]
    name = Path(str(model_name)).stem
    overrides.append(f"train.out_dir={(out_dir or f'runs/{name}-finetune')!r}")
    if epochs:
        overrides.append(f"train.epochs={epochs}")
    config = load_recipe(recipe, overrides)
    if classes:
        config.setdefault("data", {})["classes"] = [c.strip() for c in classes.split(",")]
    from zoo.finetune import prepare_finetune

    with run.scope():
        init_model = None if resume else prepare_finetune(model, config)
    run_recipe(config, resume=resume, init_model=init_model)


COMMANDS = [train, finetune]
