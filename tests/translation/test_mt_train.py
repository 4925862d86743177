"""train_translation: a tiny end-to-end run, its files, selection on BLEU, and resuming."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

from zoo.errors import ZooError
from zoo.translation.rnnsearch import RNNSearch
from zoo.translation.train import resolve_config, train_translation

TINY = {
    "src_lang": "en",
    "tgt_lang": "fr",
    "vocab_size": 400,
    "embedding_dim": 8,
    "units": 12,
    "maxout_units": 8,
    "batch_size": 32,
    "learning_rate": 1e-2,
    "warmup_steps": 2,
    "bleu_sentences": 8,
    "verbose": 0,
    "tensorboard": False,
}


@pytest.fixture
def corpus(tmp_path, toy_pairs):
    folder = tmp_path / "corpus"
    folder.mkdir()
    src, tgt = toy_pairs
    for split, sl in (("train", slice(0, 64)), ("val", slice(250, 266))):
        (folder / f"{split}.en").write_text("\n".join(src[sl]) + "\n")
        (folder / f"{split}.fr").write_text("\n".join(tgt[sl]) + "\n")
    return folder


def test_config_is_checked():
    assert resolve_config({})["units"] == 1000
    with pytest.raises(ZooError, match="unknown translation config keys: unitz"):
        resolve_config({"unitz": 3})
    with pytest.raises(ZooError):
        resolve_config({"select": "accuracy"})
    with pytest.raises(ZooError, match="cooldown_steps=-1: must be >= 0"):
        resolve_config({"cooldown_steps": -1})
    with pytest.raises(ZooError, match="cooldown_steps needs schedule = 'rsqrt'"):
        resolve_config({"cooldown_steps": 5, "schedule": "plateau"})


@pytest.mark.slow
def test_a_cooldown_ends_the_run_at_a_learning_rate_of_zero(corpus, tmp_path):
    config = {
        **TINY, "data_dir": str(corpus), "output_dir": str(tmp_path / "run"), "epochs": 2,
        "cooldown_steps": 3, "tensorboard": False,
    }  # fmt: skip
    model = train_translation(config).model
    steps = int(ops.convert_to_numpy(model.optimizer.iterations))
    schedule = model.optimizer._learning_rate
    assert schedule.cooldown_start == steps - 3  # the run's last 3 steps, by default
    rates = [float(ops.convert_to_numpy(schedule(s))) for s in range(steps - 3, steps + 1)]
    np.testing.assert_allclose(rates, np.array([3, 2, 1, 0]) / 3 * rates[0], rtol=1e-6)
    assert rates[0] > 0.0


def test_training_pairs_longer_than_max_length_are_dropped(corpus, tmp_path, capsys):
    config = {**TINY, "data_dir": str(corpus), "output_dir": str(tmp_path / "run"), "epochs": 0}
    config["max_length"] = 12
    train_translation(config)
    printed = capsys.readouterr().out
    dropped = int(printed.split(" of 64 training pairs dropped")[0].split()[-1])
    assert 0 < dropped < 64, printed
    with pytest.raises(ZooError, match="no training pair fits max_length=3 subwords"):
        train_translation({**config, "max_length": 3, "output_dir": str(tmp_path / "run3")})


@pytest.mark.slow
def test_tiny_run_writes_everything(corpus, tmp_path):
    out = tmp_path / "run"
    config = {
        **TINY,
        "data_dir": str(corpus),
        "output_dir": str(out),
        "epochs": 2,
        "select": "val_bleu",
        "bleu_beam": 5,  # as the en-fr recipe: beam search on the training model each epoch
        "tensorboard": True,
        "schedule": "plateau",
    }
    history = train_translation(config)
    assert len(history.history["loss"]) == 2
    assert "val_bleu" in history.history and "val_loss" in history.history
    for name in (
        "spm.model",
        "config.json",
        "log.csv",
        "best.keras",
        "checkpoints/epoch_001.keras",
        "checkpoints/epoch_002.keras",
    ):
        assert (out / name).is_file(), name
    assert (out / "tensorboard").is_dir()
    with open(out / "log.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and "val_bleu" in rows[0]
    best = keras.saving.load_model(out / "best.keras", safe_mode=True)
    assert isinstance(best, RNNSearch)
    assert len(best.translate(["The red cat."], beam=2)) == 1
    # A fresh process needs only the model's module to load the compiled model.
    code = (
        "import sys, keras, zoo.translation.rnnsearch; "
        "m = keras.saving.load_model(sys.argv[1], safe_mode=True); "
        "print(m.translate(['The red cat.'], beam=1))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(out / "best.keras")],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_interrupted_run_resumes(corpus, tmp_path):
    config = {**TINY, "data_dir": str(corpus), "output_dir": str(tmp_path / "run"), "epochs": 2}
    with pytest.raises(KeyboardInterrupt):
        train_translation(config, callbacks=[_Interrupt()])
    history = train_translation(config)
    assert history.epoch == [1]  # epoch 0 was restored from the backup
    assert (tmp_path / "run" / "checkpoints" / "epoch_002.keras").is_file()


def test_init_model_keeps_its_sizes_and_every_weight(corpus, tmp_path, toy_tokenizer):
    """Fine-tuning (``init_model``, or ``init`` naming a saved model) starts from all of the
    trained model's weights, whatever sizes the config names."""
    trained = RNNSearch(
        tokenizer=toy_tokenizer,
        embedding_dim=6,
        units=10,
        attention_units=7,
        maxout_units=6,
        tie_embeddings=True,
        source_language="en",
        target_language="fr",
    )
    path = tmp_path / "trained.keras"
    trained.save(path)
    config = {
        **TINY,
        "data_dir": str(corpus),
        "output_dir": str(tmp_path / "run"),
        "epochs": 1,
        "steps_per_epoch": 1,
        "learning_rate": 0.0,  # no update: the weights must come through unchanged
        "tensorboard": False,
        "init": str(path),
        "max_length": 80,
    }
    model = train_translation(config).model
    assert (model.units, model.embedding_dim, model.attention_units) == (10, 6, 7)
    assert model.tokenizer.max_tokens == 80  # the run's window, not the trained model's 64
    assert len(model.weights) == len(trained.weights)
    for mine, theirs in zip(model.weights, trained.weights, strict=True):
        assert mine.path.split("/", 1)[1] == theirs.path.split("/", 1)[1]
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(mine.value), keras.ops.convert_to_numpy(theirs.value)
        )


def test_epochs_done_reads_the_backup_record(tmp_path):
    from zoo.translation.train import _epochs_done

    assert _epochs_done(tmp_path) == 0  # a fresh run
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "training_metadata.json").write_text('{"epoch": 10, "batch": 0}')
    assert _epochs_done(tmp_path) == 10
    (tmp_path / "backup" / "training_metadata.json").write_text("{not json")
    assert _epochs_done(tmp_path) == 0


def test_best_so_far_reads_the_run_log(tmp_path):
    from zoo.translation.train import _best_so_far

    assert _best_so_far(tmp_path, "val_bleu", "max") is None  # a fresh run
    (tmp_path / "log.csv").write_text(
        "epoch,val_bleu,val_loss\n0,22.2,2.9\n1,40.8,2.2\n2,39.8,2.3\n"
    )
    assert _best_so_far(tmp_path, "val_bleu", "max") == 40.8
    assert _best_so_far(tmp_path, "val_loss", "min") == 2.2
