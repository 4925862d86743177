"""Train RNNsearch end to end: SentencePiece, model, ``fit`` with checkpoints and resume.

Everything is written under ``output_dir``: ``spm.model`` (the tokenizer), ``config.json``,
``checkpoints/epoch_NNN.keras`` (a full model each epoch), ``backup/`` (``BackupAndRestore``:
rerunning the same config resumes an interrupted run), ``log.csv``, ``tensorboard/`` and
``best.keras`` (best on ``select``: ``val_loss`` or ``val_bleu``).

Example:
    >>> history = train_translation({"output_dir": "runs/rnnsearch-small", "units": 256,
    ...                              "embedding_dim": 256, "maxout_units": 128, "epochs": 5})
    ... # doctest: +SKIP
    >>> history.model.translate(["A man is riding a bike."])          # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import keras

from zoo.data.paths import data_root, resolve_data_dir
from zoo.errors import ZooError
from zoo.training.run import current_run, fit
from zoo.translation.batcher import TranslationBatches, drop_too_long, encode_pairs
from zoo.translation.bleu import corpus_scores
from zoo.translation.data import load_tfds_translation, read_pairs, read_tsv_pairs
from zoo.translation.losses import SmoothedCrossEntropy
from zoo.translation.rnnsearch import RNNSearch
from zoo.translation.schedule import LinearWarmup, WarmupInverseSqrt
from zoo.translation.tokenizer import SubwordTokenizer
from zoo.writable import writable_dir

DEFAULTS: dict = {
    # data: a Multi30k-style folder ({split}.{lang}[.gz]) or TSV files
    "data_dir": None,  # default: $ZOO_DATA/multi30k
    "src_lang": "en",
    "tgt_lang": "fr",
    "train_split": "train",
    "val_split": "val",
    "train_tsv": None,
    "val_tsv": None,
    # more training pairs: [{root = "wmt-news/eng-fra", splits = ["newstest2012", ...]}]
    "extra_train": [],
    "tfds_name": None,  # e.g. "wmt14_translate/fr-en": read through tensorflow-datasets
    "tfds_data_dir": None,
    "tfds_download": False,
    "max_words": None,  # drop training pairs longer than this many words (paper: 50)
    "train_limit": None,
    "val_limit": None,
    "output_dir": "runs/rnnsearch",
    "init": None,  # start from a trained model (name or path): its sizes and tokenizer
    # tokenizer
    "vocab_size": 8000,
    "spm_model_type": "unigram",
    "max_length": 100,
    # model (paper: 620 / 1000 / 1000 / 500)
    "embedding_dim": 620,
    "units": 1000,
    "attention_units": None,
    "maxout_units": 500,
    "dropout": 0.0,
    "tie_embeddings": False,
    # optimisation
    "label_smoothing": 0.1,
    "batch_size": 64,
    "max_tokens": None,
    "epochs": 10,
    "steps_per_epoch": None,
    "learning_rate": 1e-3,
    "warmup_steps": 500,
    "schedule": "rsqrt",  # "rsqrt" (warmup + inverse sqrt) or "plateau"
    "cooldown_steps": 0,  # rsqrt: end with a linear fall of the rate to 0 over this many steps
    "cooldown_start": None,  # the step it starts at [default: the run's last cooldown_steps]
    "plateau_factor": 0.5,
    "plateau_patience": 1,
    "clipnorm": 1.0,
    "select": "val_loss",  # or "val_bleu"
    "bleu_sentences": 500,
    "bleu_beam": 1,
    "early_stopping_patience": None,
    "tensorboard": True,
    "mixed_precision": False,  # float16 compute, float32 weights (GPU)
    "jit_compile": "auto",  # XLA: True on GPU; "auto" lets Keras choose
    "seed": 0,
    "verbose": 2,
}


# the sizes a fine-tuned model takes from the model it starts from
ARCHITECTURE_KEYS = (
    "embedding_dim",
    "units",
    "attention_units",
    "maxout_units",
    "tie_embeddings",
)


class ValBleu(keras.callbacks.Callback):
    """Add ``val_bleu`` and ``val_chrf`` (sacrebleu) to the epoch logs by translating."""

    def __init__(self, sources: list[str], references: list[str], beam: int = 1):
        super().__init__()
        self.sources, self.references, self.beam = sources, references, beam

    def on_epoch_end(self, epoch, logs=None):
        hypotheses = self.model.translate(self.sources, beam=self.beam, batch_size=64)
        scores = corpus_scores(hypotheses, self.references)
        if logs is not None:
            logs["val_bleu"], logs["val_chrf"] = scores["bleu"], scores["chrf"]


def resolve_config(config: dict | None) -> dict:
    """``DEFAULTS`` updated with ``config``; :class:`ZooError` on an unknown key."""
    config = dict(config or {})
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        raise ZooError(f"unknown translation config keys: {', '.join(unknown)}")
    merged = {**DEFAULTS, **config}
    if merged["select"] not in ("val_loss", "val_bleu"):
        raise ZooError(f"select={merged['select']!r}: use 'val_loss' or 'val_bleu'")
    if merged["schedule"] not in ("rsqrt", "plateau"):
        raise ZooError(f"schedule={merged['schedule']!r}: use 'rsqrt' or 'plateau'")
    if merged["cooldown_steps"] < 0:
        raise ZooError(f"cooldown_steps={merged['cooldown_steps']}: must be >= 0")
    if merged["cooldown_steps"] and merged["schedule"] != "rsqrt":
        raise ZooError("cooldown_steps needs schedule = 'rsqrt'")
    return merged


def load_pairs(cfg: dict, split: str) -> tuple[list[str], list[str]]:
    """The ``train`` or ``val`` sentence pairs named by the config, empty pairs dropped."""
    tsv, limit = cfg[f"{split}_tsv"], cfg[f"{split}_limit"]
    if cfg["tfds_name"]:
        src, tgt = load_tfds_translation(
            cfg[f"{split}_split"],
            cfg["src_lang"],
            cfg["tgt_lang"],
            name=cfg["tfds_name"],
            data_dir=cfg["tfds_data_dir"],
            limit=limit,
            download=cfg["tfds_download"],
        )
    elif tsv:
        src, tgt = read_tsv_pairs(tsv, limit=limit)
    else:
        folder = resolve_data_dir(cfg["data_dir"]) if cfg["data_dir"] else data_root() / "multi30k"
        src, tgt = read_pairs(
            folder, cfg[f"{split}_split"], cfg["src_lang"], cfg["tgt_lang"], limit=limit
        )
    if split == "train":
        for extra_src, extra_tgt in _extra_pairs(cfg):
            src, tgt = src + extra_src, tgt + extra_tgt
    pairs = [(s, t) for s, t in zip(src, tgt, strict=True) if s.strip() and t.strip()]
    if cfg["max_words"] and split == "train":
        cap = int(cfg["max_words"])
        pairs = [(s, t) for s, t in pairs if len(s.split()) <= cap and len(t.split()) <= cap]
    if not pairs:
        raise ZooError(f"{tsv or cfg['data_dir'] or 'multi30k'}: no {split} sentence pairs")
    return [s for s, _ in pairs], [t for _, t in pairs]


def _extra_pairs(cfg: dict):
    """The ``extra_train`` sources, each ``{root, splits}``, read in the config's direction."""
    for number, entry in enumerate(cfg["extra_train"] or [], start=1):
        if not isinstance(entry, dict) or set(entry) != {"root", "splits"}:
            raise ZooError(f"extra_train entry {number}: give {{root = ..., splits = [...]}}")
        folder = resolve_data_dir(entry["root"])
        for split in entry["splits"]:
            yield read_pairs(folder, split, cfg["src_lang"], cfg["tgt_lang"])


def _tokenizer(cfg: dict, out: Path, texts: list[str], save: bool = True) -> SubwordTokenizer:
    path = out / "spm.model"
    if path.is_file():  # resuming: the model's vocabulary must not change
        return SubwordTokenizer.from_file(path, max_tokens=cfg["max_length"])
    tok = SubwordTokenizer.train(
        texts, cfg["vocab_size"], cfg["spm_model_type"], max_tokens=cfg["max_length"]
    )
    if save:
        tok.save_model(path)
    return tok


class RestoreOnly(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` that restores but never writes: processes other than 0 resume
    from process 0's backup (:mod:`zoo.training.run`)."""

    needed_everywhere = True

    def _save_model(self):
        pass

    def on_train_end(self, logs=None):
        pass


def _best_so_far(out: Path, select: str, mode: str) -> float | None:
    """The best ``select`` in the run's ``log.csv`` (a resumed run), so that ``best.keras``
    is replaced only by a better epoch than any before the interruption; None when fresh."""
    try:
        with open(out / "log.csv", newline="") as f:
            values = [float(row[select]) for row in csv.DictReader(f) if row.get(select)]
    except (OSError, ValueError, KeyError):
        return None
    if not values:
        return None
    return max(values) if mode == "max" else min(values)


def _callbacks(cfg: dict, out: Path, val_src: list[str], val_tgt: list[str], resumed: bool):
    """``(callbacks of every process, callbacks that write files)``; a ``resumed`` run keeps
    the best score its ``log.csv`` already holds."""
    select = cfg["select"]
    mode = "max" if select == "val_bleu" else "min"
    callbacks: list = []
    if select == "val_bleu":
        n = cfg["bleu_sentences"]
        callbacks.append(ValBleu(val_src[:n], val_tgt[:n], beam=cfg["bleu_beam"]))
    if cfg["schedule"] == "plateau":
        callbacks += [
            LinearWarmup(cfg["learning_rate"], cfg["warmup_steps"]),
            keras.callbacks.ReduceLROnPlateau(
                monitor=select,
                mode=mode,
                factor=cfg["plateau_factor"],
                patience=cfg["plateau_patience"],
                min_lr=cfg["learning_rate"] / 100,
            ),
        ]
    backup = str(out / "backup")
    writers = [
        keras.callbacks.BackupAndRestore(backup),
        keras.callbacks.ModelCheckpoint(str(out / "checkpoints" / "epoch_{epoch:03d}.keras")),
        keras.callbacks.ModelCheckpoint(
            str(out / "best.keras"),
            monitor=select,
            mode=mode,
            save_best_only=True,
            initial_value_threshold=_best_so_far(out, select, mode) if resumed else None,
        ),
        keras.callbacks.CSVLogger(str(out / "log.csv"), append=True),
    ]
    if not current_run().chief:
        writers[0] = RestoreOnly(backup)
    if cfg["early_stopping_patience"]:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=select, mode=mode, patience=cfg["early_stopping_patience"]
            )
        )
    if cfg["tensorboard"]:
        writers.append(keras.callbacks.TensorBoard(str(out / "tensorboard")))
    return callbacks, writers


def build_model(cfg: dict, tokenizer: SubwordTokenizer) -> RNNSearch:
    """An :class:`RNNSearch` sized by the config and compiled for teacher-forced ``fit``."""
    model = RNNSearch(
        tokenizer=tokenizer,
        vocab_size=tokenizer.vocab_size,
        source_language=cfg["src_lang"],
        target_language=cfg["tgt_lang"],
        embedding_dim=cfg["embedding_dim"],
        units=cfg["units"],
        attention_units=cfg["attention_units"],
        maxout_units=cfg["maxout_units"],
        dropout=cfg["dropout"],
        tie_embeddings=cfg["tie_embeddings"],
    )
    rate = (
        WarmupInverseSqrt(
            cfg["learning_rate"],
            cfg["warmup_steps"],
            cooldown_start=cfg["cooldown_start"] if cfg["cooldown_steps"] else None,
            cooldown_steps=cfg["cooldown_steps"],
        )
        if cfg["schedule"] == "rsqrt"
        else cfg["learning_rate"]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(rate, clipnorm=cfg["clipnorm"]),
        loss=SmoothedCrossEntropy(cfg["label_smoothing"]),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        jit_compile=cfg["jit_compile"],
    )
    return model


def _epochs_done(out: Path) -> int:
    """Epochs an interrupted run in ``out`` finished (``BackupAndRestore``'s record), else 0."""
    record = out / "backup" / "training_metadata.json"
    try:
        return int(json.loads(record.read_text()).get("epoch", 0))
    except (OSError, ValueError, AttributeError):
        return 0


def train_translation(
    config: dict | None = None,
    callbacks: list | None = None,
    init_model: RNNSearch | None = None,
) -> keras.callbacks.History:
    """Train a tokenizer and an RNNsearch model as ``config`` says (see ``DEFAULTS``).

    ``callbacks`` are added after the standard ones. Rerunning an interrupted run with the
    same ``output_dir`` resumes it from its last finished epoch.

    ``init_model`` (fine-tuning) continues from a trained model's weights and keeps its
    tokenizer; the model sizes then come from it, not from the config.

    Returns the Keras ``History``; ``history.model`` is the trained model (last epoch) and
    ``output_dir/best.keras`` the best one on ``select``.
    """
    cfg = resolve_config(config)
    run = current_run()
    if init_model is None and cfg["init"]:
        from zoo.api import load

        init_model = load(cfg["init"])
    if init_model is not None:
        if init_model.languages:
            cfg["src_lang"], cfg["tgt_lang"] = init_model.languages
        cfg.update({key: getattr(init_model, key) for key in ARCHITECTURE_KEYS})
    keras.utils.set_random_seed(cfg["seed"])
    if cfg["mixed_precision"]:
        keras.mixed_precision.set_global_policy("mixed_float16")
    out = Path(cfg["output_dir"])
    writable_dir(out, "output folder")  # refused now, not after the first epoch
    if run.chief:
        (out / "config.json").write_text(json.dumps(cfg, indent=1, default=str))

    train_src, train_tgt = load_pairs(cfg, "train")
    val_src, val_tgt = load_pairs(cfg, "val")
    if init_model is not None:
        tokenizer = init_model.tokenizer
        tokenizer.max_tokens = cfg["max_length"]  # the window this run trains (and saves)
        if run.chief:
            tokenizer.save_model(out / "spm.model")
    else:
        tokenizer = _tokenizer(cfg, out, train_src + train_tgt, save=run.chief)
    train_src, train_tgt, dropped = drop_too_long(
        tokenizer, train_src, train_tgt, cfg["max_length"]
    )
    if not train_src:
        raise ZooError(f"no training pair fits max_length={cfg['max_length']} subwords")
    if dropped and run.chief:
        print(
            f"{dropped} of {dropped + len(train_src)} training pairs dropped: longer than "
            f"max_length={cfg['max_length']} subwords"
        )
    batching = dict(
        batch_size=cfg["batch_size"], max_tokens=cfg["max_tokens"], max_length=cfg["max_length"]
    )
    train = TranslationBatches(
        *encode_pairs(tokenizer, train_src, train_tgt), seed=cfg["seed"], **batching
    )
    val = TranslationBatches(*encode_pairs(tokenizer, val_src, val_tgt), shuffle=False, **batching)

    if cfg["cooldown_steps"] and cfg["cooldown_start"] is None:
        total = cfg["epochs"] * (cfg["steps_per_epoch"] or len(train))
        cfg["cooldown_start"] = max(0, total - cfg["cooldown_steps"])
    with run.scope():
        model = build_model(cfg, tokenizer)
    if init_model is not None:
        from zoo.api import transfer_weights

        transfer_weights(init_model, model)
    done = _epochs_done(out)
    train.start_at(done)
    everyone, writers = _callbacks(cfg, out, val_src, val_tgt, resumed=done > 0)
    return fit(
        model,
        train,
        val,
        epochs=cfg["epochs"],
        steps_per_epoch=cfg["steps_per_epoch"],
        callbacks=everyone,
        writers=writers,
        after=list(callbacks or []),
        verbose=cfg["verbose"],
    )
