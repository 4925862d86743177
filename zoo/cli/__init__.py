"""The ``zoo`` command line: inference, evaluation, training and model management.

Every user mistake (missing file, unknown model, bad flag, bad data folder) ends in one line
on stderr and a non-zero exit, never a traceback.

Example:
    $ zoo segment street.jpg --out masks/
    $ zoo list --json
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import click

from zoo.errors import ZooError

EXIT_USER_ERROR = 2
EXIT_FAILURES = 1
# click >= 8.2 raises this for a group called without a command
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class ZooGroup(click.Group):
    """A click group that reports user errors as one line instead of a usage block or traceback."""

    def main(self, args=None, prog_name="zoo", **extra):
        try:
            rv = super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except _NO_ARGS_IS_HELP as exc:  # bare `zoo` or `zoo data`: show the help, not an error
            click.echo(exc.ctx.get_help())
            sys.exit(EXIT_USER_ERROR)
        except click.Abort:
            click.echo("zoo: aborted", err=True)
            sys.exit(EXIT_FAILURES)
        except click.ClickException as exc:
            message = exc.format_message().replace("\n", " ")
            ctx = getattr(exc, "ctx", None)
            where = f"zoo {ctx.info_name}" if ctx is not None and ctx.parent else "zoo"
            click.echo(
                f"{where}: error: {message} (see '{ctx.command_path if ctx else 'zoo'} --help')",
                err=True,
            )
            sys.exit(exc.exit_code or EXIT_USER_ERROR)
        except (ZooError, OSError) as exc:  # OSError: unwritable --out, missing folder, disk full
            message = " ".join(str(exc).split("\n"))
            click.echo(f"zoo: error: {message}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("zoo: interrupted", err=True)
            sys.exit(130)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
        sys.exit(0)


@click.group(cls=ZooGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zoo", prog_name="zoo")
@click.option(
    "--max-image-pixels",
    type=click.IntRange(1),
    default=None,
    help="Largest image decoded, width x height [default: $ZOO_MAX_IMAGE_PIXELS or 200000000].",
)
def main(max_image_pixels: int | None) -> None:
    """zoo: FCN segmentation, YOLO detection and RNNsearch translation in Keras 3."""
    if max_image_pixels is not None:
        os.environ["ZOO_MAX_IMAGE_PIXELS"] = str(max_image_pixels)


def _register() -> None:
    from zoo.cli import (
        data_cmd,
        detect_cmd,
        drive_cmd,
        eval_cmd,
        infer,
        manage,
        serve_cmd,
        train_cmd,
        translate_cmd,
    )

    modules = (
        infer,
        detect_cmd,
        drive_cmd,
        translate_cmd,
        eval_cmd,
        train_cmd,
        manage,
        data_cmd,
        serve_cmd,
    )
    for module in modules:
        for command in module.COMMANDS:
            main.add_command(command)


_register()
