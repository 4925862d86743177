"""``zoo translate``: one output line per input line, in order."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from zoo.cli.common import default_model, load_model
from zoo.cli.options import beam_option, count_option, model_option, path_option
from zoo.errors import ZooError
from zoo.progress import quiet_option
from zoo.translation.languages import choose_translation_model
from zoo.translation.long_lines import clean_line
from zoo.weights import manifest
from zoo.writable import writable_dir, writable_file


def _read_input(source: str) -> tuple[list[str], list[str]]:
    """The lines of ``source`` (a file or ``-``), cleaned, and one problem line per line
    that held invalid UTF-8, NUL bytes or control characters (named by line number)."""
    if source == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        path = Path(source)
        if not path.is_file():
            raise click.BadParameter(f"{source}: no such file", param_hint="--input")
        data, name = path.read_bytes(), source
    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    lines, problems = [], []
    for number, line in enumerate(raw, 1):
        try:
            text, found = line.decode("utf-8"), []
        except UnicodeDecodeError:
            text, found = line.decode("utf-8", errors="replace"), ["invalid UTF-8 (replaced)"]
        text, removed = clean_line(text.rstrip("\r"))
        found += [f"{what} removed" for what in removed]
        if found:
            problems.append(f"{name}:{number}: {', '.join(found)}")
        lines.append(text)
    return lines, problems


def _default_name() -> str:
    """The default translation model's name, for --help (the manifest's default record)."""
    try:
        return default_model("translation")
    except ZooError:
        return "none in the manifest"


@click.command()
@click.argument("texts", nargs=-1, metavar="[TEXT]...")
@model_option(
    f"Model name, .keras path or exported file [default: {_default_name()}]; --to/--from pick "
    "one by language instead."
)
@click.option(
    "--to",
    "target",
    default=None,
    metavar="LANG",
    help="Target language (en, fr, de): picks the general model for the pair; the source is "
    "English unless --from says otherwise.",
)
@click.option(
    "--from",
    "source",
    default=None,
    metavar="LANG",
    help="Source language, where --to alone is ambiguous (--to en --from de).",
)
@click.option(
    "--input",
    "input_file",
    default=None,
    metavar="FILE|-",
    help="Translate the lines of FILE ('-': standard input).",
)
@path_option(
    "--output",
    "output_file",
    folder=False,
    help="Write the translations here (written whole, atomically) [default: stdout].",
)
@beam_option("Beam size (1: greedy).")
@count_option("--batch-size", default=64, low=1, high=4096)
@click.option(
    "--alpha", default=0.6, show_default=True, type=float, help="GNMT length penalty exponent."
)
@path_option(
    "--attention",
    "attention_dir",
    folder=True,
    help="Also write one attention heatmap PNG per sentence into this folder.",
)
@quiet_option
def translate(
    texts,
    model_name,
    target,
    source,
    input_file,
    output_file,
    beam,
    batch_size,
    alpha,
    attention_dir,
):
    """Translate TEXT arguments, or the lines of --input, one output line per input line.

    With no --model, --to or --from the default model translates (see --model); `--to fr`
    picks the general-domain English-to-French model, `--to de` English to German, `--from fr`
    French to English, each where one is trained.

    Empty lines stay empty; a line longer than the model's window is split at sentence ends,
    translated piece by piece and joined back. Invalid UTF-8, NUL bytes and control characters
    are named on stderr with their line numbers and cleaned; the rest is translated, and the
    exit status is 1 at the end.
    """
    if texts and input_file:
        raise click.UsageError("give TEXT arguments or --input, not both")
    if model_name and (target or source):
        raise click.UsageError("give --model or --to/--from, not both")
    if target or source:
        model_name = choose_translation_model(source, target)
        domain = manifest().get(model_name, {}).get("domain")
        if domain and domain != "general":
            click.echo(
                f"zoo translate: note: {model_name} is trained on {domain} only; "
                "no general-domain model serves this pair yet",
                err=True,
            )
    problems: list[str] = []
    if texts:
        lines = list(texts)
    else:
        lines, problems = _read_input(input_file or "-")
    for line in problems:
        click.echo(f"zoo translate: warning: {line}", err=True)
    if output_file:  # refused before the model loads and the lines are translated
        writable_file(output_file, "--output file")
    if attention_dir:
        writable_dir(attention_dir, "--attention folder")
    model = load_model(model_name or default_model("translation"), "translation")
    # One physical line per input line: a newline inside an argument would break that.
    lines = [" ".join(line.splitlines()) for line in lines]
    outputs = (
        model.translate(lines, beam=beam, batch_size=batch_size, alpha=alpha, progress=True)
        if lines
        else []
    )
    outputs = [" ".join(str(o).splitlines()) for o in outputs]
    text = "".join(f"{o}\n" for o in outputs)
    if output_file:
        path = Path(output_file)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if attention_dir:
        from zoo.translation.attention_plot import write_attention_plots

        written = write_attention_plots(model.alignments(lines, beam=beam), attention_dir)
        click.echo(f"wrote {len(written)} attention plots to {attention_dir}", err=True)
    if problems:
        sys.exit(1)


COMMANDS = [translate]
