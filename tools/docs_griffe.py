"""Griffe extension for the API reference: zoo's docstrings as Markdown sees them.

zoo's docstrings head their doctests ``Example:`` (one example, as the style guide writes
them); Google-style parsers know ``Examples:``, and would otherwise render the ``>>>`` lines
as prose. Sphinx roles (``:class:`~zoo.x.Y```) become code (``Y``). Used by ``mkdocs.yml``
(mkdocstrings ``extensions``).

Example:
    $ mkdocs build --strict
"""

from __future__ import annotations

import re

import griffe

EXAMPLE_HEADING = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
SPHINX_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):`(~?)([^`]+)`")


def _role_as_code(match: re.Match) -> str:
    short, target = match.groups()
    return f"``{target.rsplit('.', 1)[-1] if short else target}``"


class ZooDocstrings(griffe.Extension):
    """Rename ``Example:`` headings to ``Examples:`` and Sphinx roles to code before parsing."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            value = EXAMPLE_HEADING.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = SPHINX_ROLE.sub(_role_as_code, value)
