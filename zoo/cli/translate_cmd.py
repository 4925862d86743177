"""``zoo translate``: one output line per input line, in order."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from zoo.cli.common import default_model, load_model
from zoo.progress import quiet_option


def _read_input(source: str) -> list[str]:
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        if not path.is_file():
            raise click.BadParameter(f"{source}: no such file", param_hint="--input")
        data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


@click.command()
@click.argument("texts", nargs=-1, metavar="[TEXT]...")
@click.option(
    "--model",
    "model_name",
    default=None,
    help="Model name or .keras path [default: rnnsearch-multi30k-en-de].",
)
@click.option(
    "--input",
    "input_file",
    default=None,
    metavar="FILE|-",
    help="Translate the lines of FILE ('-': standard input).",
)
@click.option(
    "--output",
    "output_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the translations here (written whole, atomically) [default: stdout].",
)
@click.option(
    "--beam",
    default=5,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Beam size (1: greedy).",
)
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 4096))
@click.option(
    "--alpha", default=0.6, show_default=True, type=float, help="GNMT length penalty exponent."
)
@click.option(
    "--attention",
    "attention_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Also write one attention heatmap PNG per sentence into this folder.",
)
@quiet_option
def translate(texts, model_name, input_file, output_file, beam, batch_size, alpha, attention_dir):
    """Translate TEXT arguments, or the lines of --input, one output line per input line.

    Empty lines stay empty; very long lines are cut to the model's limit (said once on stderr).
    """
    if texts and input_file:
        raise click.UsageError("give TEXT arguments or --input, not both")
    lines = list(texts) if texts else _read_input(input_file or "-")
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


COMMANDS = [translate]
