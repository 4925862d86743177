"""Griffe extension for the API reference: an ``Example:`` section is an examples section.

zoo's docstrings head their doctests ``Example:`` (one example, as the style guide writes
them); Google-style parsers know ``Examples:``, and would otherwise render the ``>>>`` lines
as prose. Used by ``mkdocs.yml`` (mkdocstrings ``extensions``).

Example:
    $ mkdocs build --strict
"""

from __future__ import annotations

import re

import griffe

EXAMPLE_HEADING = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Rename ``Example:`` headings to ``Examples:`` before the docstring is parsed."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = EXAMPLE_HEADING.sub(r"\1Examples:", obj.docstring.value)
