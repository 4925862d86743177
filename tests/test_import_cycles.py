"""No import cycles in zoo/ (imports inside functions count), and the runtime layer stays below
the CLI: ``tools/import_cycles.py`` reads the source with ``ast``."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("import_cycles", ROOT / "tools" / "import_cycles.py")
import_cycles = importlib.util.module_from_spec(spec)
spec.loader.exec_module(import_cycles)


def test_zoo_has_no_import_cycles():
    graph = import_cycles.import_graph(ROOT / "zoo")
    assert len(graph) > 100 and "zoo.cli.common" in graph
    assert import_cycles.cycles(graph) == []


def test_runtime_imports_nothing_from_the_cli():
    graph = import_cycles.import_graph(ROOT / "zoo")
    runtime = {m: deps for m, deps in graph.items() if m.startswith("zoo.runtime")}
    assert runtime
    wrong = {m: sorted(d for d in deps if d.startswith("zoo.cli")) for m, deps in runtime.items()}
    assert not {m: d for m, d in wrong.items() if d}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "pkg"


def test_finds_cycles_through_functions_relative_imports_and_submodules(tmp_path):
    """The checker itself: a cycle hidden in a function, one through ``from . import sub``."""
    package = write(
        tmp_path,
        {
            "pkg/__init__.py": "from .b import thing\n",
            "pkg/a.py": "def f():\n    from pkg.sub import c\n",
            "pkg/b.py": "thing = 1\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "from .. import a\n",
            "pkg/d.py": "import pkg.b\n",
        },
    )
    graph = import_cycles.import_graph(package)
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.c"}
    assert graph["pkg.sub.c"] == {"pkg", "pkg.a"}
    assert import_cycles.cycles(graph) == [["pkg.a", "pkg.sub.c"]]
    assert import_cycles.main([str(package)]) == 1
    (package / "sub" / "c.py").write_text("x = 1\n")
    assert import_cycles.cycles(import_cycles.import_graph(package)) == []
