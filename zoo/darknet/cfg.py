"""Read a Darknet ``.cfg`` file into sections of ``key=value`` options.

A cfg is a list of ``[section]`` headers, each followed by ``key=value`` lines; ``#`` and ``;``
start comments. The first section is ``[net]`` (or ``[network]``); the others are the layers,
numbered from 0 in file order, which is how ``[route] layers=`` and ``[shortcut] from=`` refer
to them.

Example:
    >>> cfg = parse_cfg("yolov3-tiny.cfg")  # doctest: +SKIP
    >>> cfg.width, cfg.height, cfg.layers[0].type  # doctest: +SKIP
    (416, 416, 'convolutional')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from zoo.errors import ZooError

NET_SECTIONS = ("net", "network")
# Short names darknet also accepts for some sections.
ALIASES = {"conv": "convolutional", "max": "maxpool", "drop": "dropout"}


@dataclass
class Section:
    """One ``[type]`` section of a cfg: its options as strings, and where it is.

    ``index`` is the darknet layer number (``-1`` for ``[net]``); ``line`` is 1-based.
    """

    type: str
    line: int
    path: str
    index: int = -1
    options: dict[str, str] = field(default_factory=dict)

    def where(self) -> str:
        """``file:line [type]`` for error messages."""
        return f"{self.path}:{self.line} [{self.type}]"

    def error(self, problem: str) -> ZooError:
        """A :class:`ZooError` naming this section's file, line and type."""
        return ZooError(f"{self.where()}: {problem}")

    def has(self, key: str) -> bool:
        """Whether ``key`` is set in this section."""
        return key in self.options

    def get_str(self, key: str, default: str | None = None) -> str:
        """The raw string value of ``key``; a missing key without a default is an error."""
        if key in self.options:
            return self.options[key]
        if default is None:
            raise self.error(f"missing required option '{key}'")
        return default

    def _number(self, key: str, default, convert):
        """``convert(value of key)``, or ``default``; a missing key without a default, or a
        value that is not a number, is an error."""
        if key not in self.options:
            if default is None:
                raise self.error(f"missing required option '{key}'")
            return default
        raw = self.options[key]
        try:
            return convert(raw)
        except ValueError:
            raise self.error(f"option '{key}={raw}' is not a number") from None

    def get_int(self, key: str, default: int | None = None) -> int:
        """``key`` as an int (darknet accepts ``1.0``-style values via atoi, so do we)."""
        return self._number(key, default, lambda raw: int(float(raw)))

    def get_float(self, key: str, default: float | None = None) -> float:
        """``key`` as a float."""
        return self._number(key, default, float)

    def get_floats(self, key: str, default: list[float] | None = None) -> list[float]:
        """``key`` as a comma-separated list of floats (empty items are skipped)."""
        if key not in self.options:
            if default is None:
                raise self.error(f"missing required option '{key}'")
            return list(default)
        raw = self.options[key]
        try:
            return [float(item) for item in raw.split(",") if item.strip()]
        except ValueError:
            raise self.error(f"option '{key}={raw}' is not a list of numbers") from None

    def get_ints(self, key: str, default: list[int] | None = None) -> list[int]:
        """``key`` as a comma-separated list of ints."""
        values = self.get_floats(key, None if default is None else [float(v) for v in default])
        return [int(v) for v in values]


@dataclass
class DarknetCfg:
    """A parsed cfg: the ``[net]`` section and the layer sections in order."""

    path: str
    net: Section
    layers: list[Section]

    @property
    def width(self) -> int:
        """Network input width in pixels (``[net] width``, darknet default 416)."""
        return self.net.get_int("width", 416)

    @property
    def height(self) -> int:
        """Network input height in pixels (``[net] height``, darknet default 416)."""
        return self.net.get_int("height", 416)

    @property
    def channels(self) -> int:
        """Network input channels (``[net] channels``, default 3)."""
        return self.net.get_int("channels", 3)


def _strip(line: str) -> str:
    for mark in ("#", ";"):
        cut = line.find(mark)
        if cut >= 0:
            line = line[:cut]
    return line.strip()


def parse_cfg_text(text: str, path: str = "<cfg>") -> DarknetCfg:
    """Parse cfg ``text``; ``path`` only names the source in error messages."""
    sections: list[Section] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip(raw)
        if not line:
            continue
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3:
                raise ZooError(f"{path}:{number}: malformed section header '{line}'")
            kind = line[1:-1].strip().lower()
            kind = ALIASES.get(kind, kind)
            sections.append(Section(type=kind, line=number, path=path))
            continue
        if "=" not in line:
            raise ZooError(f"{path}:{number}: expected 'key=value' or '[section]', got '{line}'")
        if not sections:
            raise ZooError(f"{path}:{number}: option '{line}' before the first [section]")
        key, value = line.split("=", 1)
        key = key.strip().lower()
        value = "".join(value.split())
        if not key:
            raise ZooError(f"{path}:{number}: empty option name in '{line}'")
        sections[-1].options[key] = value
    if not sections:
        raise ZooError(f"{path}: no sections found; is this a darknet .cfg file?")
    net = sections[0]
    if net.type not in NET_SECTIONS:
        raise ZooError(f"{net.where()}: the first section must be [net], got [{net.type}]")
    layers = sections[1:]
    for index, section in enumerate(layers):
        if section.type in NET_SECTIONS:
            raise section.error("a second [net] section")
        section.index = index
    return DarknetCfg(path=path, net=net, layers=layers)


def parse_cfg(path: str | Path) -> DarknetCfg:
    """Parse the darknet cfg file at ``path``.

    Example:
        >>> cfg = parse_cfg("yolo-fastest-1.1.cfg")  # doctest: +SKIP
        >>> [s.type for s in cfg.layers][:2]  # doctest: +SKIP
        ['convolutional', 'convolutional']
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise ZooError(f"{path}: cannot read darknet cfg ({err.strerror or err})") from None
    return parse_cfg_text(text, str(path))
