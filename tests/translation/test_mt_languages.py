"""Choosing a translation model by language: ``choose_translation_model`` and ``zoo translate
--to/--from``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from zoo.cli import main
from zoo.errors import ZooError
from zoo.translation.languages import (
    choose_translation_model,
    language_code,
    translation_pairs,
)


def _record(src, tgt, domain="general", **extra):
    return {
        "task": "translation",
        "domain": domain,
        "preprocessing": {"languages": [src, tgt]},
        **extra,
    }


RECORDS = {
    "captions-en-fr": _record("en", "fr", domain="image captions", default=True),
    "general-en-fr": _record("en", "fr"),
    "general-fr-en": _record("fr", "en"),
    "general-en-de": _record("en", "de"),
    "general-de-en": _record("de", "en"),
    "a-detector": {"task": "detection"},
}


def test_language_codes_accept_names_and_iso_639_3():
    assert [language_code(x) for x in ("fr", "FR", "French", "fra", "deutsch", " en ")] == [
        "fr",
        "fr",
        "fr",
        "fr",
        "de",
        "en",
    ]
    with pytest.raises(ZooError, match="'klingon': not a language"):
        language_code("klingon")


def test_target_alone_means_from_english_and_prefers_the_general_model():
    assert choose_translation_model(target="fr", records=RECORDS) == "general-en-fr"
    assert choose_translation_model(target="de", records=RECORDS) == "general-en-de"
    only_captions = {"captions-en-fr": RECORDS["captions-en-fr"]}
    assert choose_translation_model(target="fr", records=only_captions) == "captions-en-fr"


def test_source_alone_means_to_english():
    assert choose_translation_model(source="fr", records=RECORDS) == "general-fr-en"
    assert choose_translation_model(source="German", records=RECORDS) == "general-de-en"


def test_ambiguous_and_missing_pairs_are_named():
    with pytest.raises(ZooError, match=r"--to en: say which with --from \(de, fr\)"):
        choose_translation_model(target="en", records=RECORDS)
    assert choose_translation_model("de", "en", records=RECORDS) == "general-de-en"
    with pytest.raises(ZooError, match=r"--from en: say which with --to \(de, fr\)"):
        choose_translation_model(source="en", records=RECORDS)
    with pytest.raises(ZooError, match=r"no trained model translates fr -> de; trained pairs: "):
        choose_translation_model("fr", "de", records=RECORDS)
    with pytest.raises(ZooError, match="the two languages are the same"):
        choose_translation_model("fr", "fr", records=RECORDS)


def test_the_manifest_names_every_translation_models_pair():
    from zoo.weights import manifest

    records = manifest()
    pairs = translation_pairs(records)
    assert pairs, "no translation model in the manifest"
    for name, (src, tgt) in pairs.items():
        assert records[name]["config"]["source_language"] == src
        assert records[name]["config"]["target_language"] == tgt
        assert records[name].get("domain") in ("general", "image captions"), name
        assert records[name].get("dataset_licence"), name
    # the published general models serve --to fr and --to de, not the Multi30k caption models
    assert choose_translation_model(target="fr", records=records) == "rnnsearch-en-fr"
    assert choose_translation_model(target="de", records=records) == "rnnsearch-en-de"


def test_cli_model_and_to_together_is_a_usage_error():
    result = CliRunner().invoke(main, ["translate", "--model", "x", "--to", "fr", "Hello."])
    assert result.exit_code == 2
    assert "give --model or --to/--from, not both" in result.output


def test_cli_unknown_pair_is_one_line():
    proc = subprocess.run(
        [sys.executable, "-m", "zoo", "translate", "--from", "fr", "--to", "de", "Bonjour."],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no trained model translates fr -> de" in lines[0]


def test_cli_help_names_the_default_model():
    from zoo.cli.common import default_model

    result = CliRunner().invoke(main, ["translate", "--help"])
    assert result.exit_code == 0
    assert f"[default: {default_model('translation')}]" in " ".join(result.output.split())
    assert "--to LANG" in result.output and "--from LANG" in result.output


def test_cli_names_a_narrow_model_when_no_general_one_serves_the_pair(monkeypatch):
    import zoo.cli.translate_cmd as cmd

    records = {
        "captions-en-de": {
            "task": "translation",
            "domain": "image captions",
            "preprocessing": {"languages": ["en", "de"]},
        }
    }
    monkeypatch.setattr(cmd, "manifest", lambda: records)
    monkeypatch.setattr(cmd, "choose_translation_model", lambda s, t: "captions-en-de")
    monkeypatch.setattr(cmd, "load_model", lambda name, task: (_ for _ in ()).throw(SystemExit(3)))
    result = CliRunner().invoke(main, ["translate", "--to", "de", "Hello."])
    assert result.exit_code == 3  # stopped at loading, after the note
    assert "captions-en-de is trained on image captions only" in result.output
