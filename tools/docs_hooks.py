"""mkdocs hook: the site pages generated at build time, never copied by hand.

- ``models.md``: every record of ``weights/manifest.json`` (metrics with the command that
  measured them, data, licence, size, parameters, speed where a record holds one);
- ``benchmarks/<app>.md``: every benchmark record ``apps/<app>/results/*.json`` (written by
  ``apps/<app>/benchmark.py --json``, see :func:`zoo.benchmarking.report`): CPU, cores, load,
  date, versions, the command and the table the script printed; a new application's records
  appear on their own;
- ``reference/python/<package>.md``: one API page per package of ``zoo``, from the docstrings
  (mkdocstrings), so moved or new modules are documented without editing the site.

The nav entries ``benchmarks/index.md`` and ``reference/python/index.md`` become sections
holding the generated pages of their folder. Used by ``mkdocs.yml`` (``hooks:``).

Example:
    $ mkdocs build --strict
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
GENERATED_SECTIONS = ("benchmarks/", "reference/python/")
MACHINE_KEYS = ("cpu", "cpu_count", "load_avg_1m", "backend", "gpus")
TASK_APP = {"segmentation": "segmentation", "detection": "detection", "translation": "translation"}


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1 else f"{value:.2f}"
    return str(value)


def _scalar_metrics(metrics: dict) -> dict:
    return {
        k: v
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and k != "n_images"
    }


def _model_section(name: str, record: dict, benchmark_apps: set[str]) -> str:
    metrics = record.get("metrics") or {}
    scalars = _scalar_metrics(metrics)
    lines = [f"### `{name}`", ""]
    if record.get("default"):
        lines += ["The default model of its command.", ""]
    lines += ["| | |", "|---|---|"]
    rows = [
        ("task", record.get("task")),
        ("architecture", record.get("architecture")),
        ("scored on", record.get("eval_split")),
        ("measured by", f"`{record['eval_command']}`" if record.get("eval_command") else None),
        ("trained by", f"`{record['train_command']}`" if record.get("train_command") else None),
        ("recipe", f"`{record['recipe']}`" if record.get("recipe") else None),
        ("domain", record.get("domain")),
        ("data", record.get("dataset")),
        ("licence", record.get("dataset_licence") or record.get("licence")),
        ("parameters", f"{record['num_params']:,}" if record.get("num_params") else None),
        ("file", _file_cell(record)),
        ("classes", _classes_cell(record.get("classes"))),
        ("speed", _speed_cell(record, benchmark_apps)),
    ]
    lines += [f"| {k} | {v} |" for k, v in rows if v]
    if scalars:
        lines += ["", "| " + " | ".join(scalars) + " |", "|" + "---|" * len(scalars)]
        lines += ["| " + " | ".join(_fmt(v) for v in scalars.values()) + " |"]
    for key, values in metrics.items():
        if isinstance(values, dict) and values:
            lines += ["", f'??? note "{key} ({len(values)})"', "", "    | class | value |"]
            lines += ["    |---|---|"] + [f"    | {c} | {_fmt(v)} |" for c, v in values.items()]
    if metrics.get("signature"):
        lines += ["", f"sacreBLEU signature: `{metrics['signature']}`"]
    return "\n".join(lines) + "\n"


def _file_cell(record: dict) -> str | None:
    if not record.get("file"):
        return None
    size = f", {record['size_bytes'] / 1e6:.1f} MB" if record.get("size_bytes") else ""
    storage = record.get("weights_storage")
    storage = f", weights stored as {storage}" if storage else ""
    return f"`{record['file']}`{size}{storage}, sha256 `{record.get('sha256', '')[:12]}…`"


def _classes_cell(classes) -> str | None:
    if not classes:
        return None
    shown = ", ".join(classes[:12]) + (f" … ({len(classes)} in all)" if len(classes) > 12 else "")
    return shown


def _speed_cell(record: dict, benchmark_apps: set[str]) -> str | None:
    speed = record.get("speed")
    if isinstance(speed, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in speed.items())
    if speed:
        return str(speed)
    app = TASK_APP.get(record.get("task", ""), record.get("task", ""))
    if app in benchmark_apps:
        return f"[{app} benchmarks](benchmarks/{app}.md)"
    return None


def models_page(manifest: dict, benchmark_apps: set[str]) -> str:
    """The models page: one section per task, one per model, from the manifest records."""
    records = manifest["models"]
    out = [
        "# Models",
        "",
        "Generated at build time from `weights/manifest.json`, the file `zoo.load` reads: each",
        "model's metrics were written there by the command shown (`zoo eval ... --json`), with the",
        "data it was trained and scored on and its licence. `zoo list` and `zoo info MODEL` print",
        "the same records.",
        "",
        "| model | task | scored on | main metric |",
        "|---|---|---|---|",
    ]
    for name, record in records.items():
        scalars = _scalar_metrics(record.get("metrics") or {})
        first = next(iter(scalars.items()), None)
        main = f"{first[0]} {_fmt(first[1])}" if first else ""
        default = " (default)" if record.get("default") else ""
        anchor = name.replace(".", "")
        split = record.get("eval_split", "")
        out.append(f"| [`{name}`](#{anchor}){default} | {record.get('task')} | {split} | {main} |")
    tasks: dict[str, list[str]] = {}
    for name, record in records.items():
        tasks.setdefault(record.get("task", "other"), []).append(name)
    for task, names in tasks.items():
        out += ["", f"## {task.capitalize()}", ""]
        out += [_model_section(name, records[name], benchmark_apps) for name in names]
    return "\n".join(out) + "\n"


def benchmark_records(root: Path = ROOT) -> dict[str, list[tuple[Path, dict]]]:
    """``{app: [(path, record), ...]}`` for every ``apps/*/results/*.json``.

    A record without the ``table`` the script printed is a build error naming the file.
    """
    found: dict[str, list[tuple[Path, dict]]] = {}
    for path in sorted(root.glob("apps/*/results/*.json")):
        record = json.loads(path.read_text())
        if not isinstance(record, dict) or not isinstance(record.get("table"), str):
            raise ValueError(
                f"{path}: a benchmark record needs the markdown 'table' its script printed "
                "(write it with zoo.benchmarking.report)"
            )
        found.setdefault(path.parent.parent.name, []).append((path, record))
    return found


def _machine_line(machine: dict) -> str:
    parts = [f"**CPU** {machine.get('cpu', 'not recorded')}"]
    if machine.get("cpu_count"):
        parts.append(f"{machine['cpu_count']} cores")
    if machine.get("load_avg_1m") is not None:
        parts.append(f"1-min load {machine['load_avg_1m']:.1f} at the start")
    if machine.get("gpus"):
        parts.append("GPUs " + ", ".join(machine["gpus"]))
    return ", ".join(parts)


def _versions(machine: dict) -> str:
    skip = set(MACHINE_KEYS)
    shown = [
        f"{k} {v}" for k, v in machine.items() if k not in skip and isinstance(v, str | int | float)
    ]
    return ", ".join(shown)


def benchmark_page(app: str, records: list[tuple[Path, dict]]) -> str:
    """One application's benchmark page: each record's machine, date, versions, command, table."""
    out = [
        f"# {app.capitalize()} benchmarks",
        "",
        f"Generated from the records in `apps/{app}/results/`, each written by the command shown",
        "(`--json`); rerun it to measure your machine. Ratios within one record were measured in",
        "the same run; compare absolute figures only between records of the same CPU.",
    ]
    for path, record in records:
        machine = record.get("machine") or {}
        out += ["", f"## {path.stem}", ""]
        out += [f"- {_machine_line(machine)}", f"- **Date** {record.get('date', 'not recorded')}"]
        versions = _versions(machine)
        if versions:
            out.append(f"- **Versions** {versions}")
        if record.get("command"):
            out.append(f"- **Command** `{record['command']}`")
        out.append(f"- **Record** `apps/{app}/results/{path.name}`")
        out += ["", record["table"].strip(), ""]
        speed_png = f"images/speed_{app}_{path.stem}.png"
        if (ROOT / "docs" / speed_png).exists():
            out += [f"![{app} {path.stem} speed](../{speed_png})", ""]
    return "\n".join(out) + "\n"


def benchmarks_index(found: dict[str, list[tuple[Path, dict]]]) -> str:
    """The benchmarks landing page: one line per record (application, CPU, load, date)."""
    out = [
        "# Benchmarks",
        "",
        "Speed is measured by each application's rerunnable script; the records it writes with",
        "`--json apps/<app>/results/<name>.json` are committed and rendered here at build time.",
        "On a loaded machine (1-min load above its core count) the figures wander by tens of",
        "percent: compare ratios measured in one record, and rerun the command on your machine.",
        "",
        "| application | record | CPU | cores | 1-min load | date |",
        "|---|---|---|---|---|---|",
    ]
    for app, records in found.items():
        for path, record in records:
            machine = record.get("machine") or {}
            load = machine.get("load_avg_1m")
            load = f"{load:.1f}" if isinstance(load, int | float) else ""
            anchor = path.stem
            out.append(
                f"| [{app}]({app}.md) | [{path.stem}]({app}.md#{anchor}) | {machine.get('cpu', '')}"
                f" | {machine.get('cpu_count', '')} | {load} | {str(record.get('date', ''))[:16]} |"
            )
    return "\n".join(out) + "\n"


def python_packages(root: Path = ROOT) -> dict[str, list[str]]:
    """``{package: [module, ...]}`` for ``zoo`` and each of its sub-packages (public modules)."""
    packages: dict[str, list[str]] = {}
    for init in sorted((root / "zoo").rglob("__init__.py")):
        package_dir = init.parent
        package = ".".join(package_dir.relative_to(root).parts)
        modules = [package]
        for path in sorted(package_dir.glob("*.py")):
            if not path.stem.startswith("_"):
                modules.append(f"{package}.{path.stem}")
        packages[package] = modules
    return packages


def python_page(package: str, modules: list[str]) -> str:
    """A package's API page: its docstring, then each of its modules from their docstrings."""
    out = [f"# `{package}`", "", f"::: {package}", "    options:", "      show_root_heading: false"]
    if package != "zoo":  # the package's own members are documented in their modules
        out.append("      members: false")
    for module in modules[1:]:
        out += ["", f"## `{module}`", "", f"::: {module}", "    options:"]
        out.append("      show_root_heading: false")
    return "\n".join(out) + "\n"


def _add(files, config, uri: str, content: str) -> None:
    if files.get_file_from_path(uri) is not None:
        files.remove(files.get_file_from_path(uri))
    files.append(File.generated(config, uri, content=content))


def on_files(files, config):
    """Add the generated pages to the site's files and their folders' sections to the nav."""
    found = benchmark_records()
    manifest = json.loads((ROOT / "weights" / "manifest.json").read_text())
    _add(files, config, "models.md", models_page(manifest, set(found)))
    _add(files, config, "benchmarks/index.md", benchmarks_index(found))
    for app, records in found.items():
        _add(files, config, f"benchmarks/{app}.md", benchmark_page(app, records))
    for package, modules in python_packages().items():
        name = "index" if package == "zoo" else package.removeprefix("zoo.").replace(".", "-")
        _add(files, config, f"reference/python/{name}.md", python_page(package, modules))
    generated = {
        prefix: sorted(
            f.src_uri
            for f in files.documentation_pages()
            if f.src_uri.startswith(prefix) and f.src_uri != prefix + "index.md"
        )
        for prefix in GENERATED_SECTIONS
    }
    if config.nav:
        _expand_nav(config.nav, generated)
    return files


def _expand_nav(items: list, generated: dict[str, list[str]]) -> None:
    """Replace each ``{title: PREFIX/index.md}`` nav entry by a section: index, then the rest."""
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        for title, value in item.items():
            if isinstance(value, list):
                _expand_nav(value, generated)
            elif isinstance(value, str) and value.endswith("index.md"):
                prefix = value.removesuffix("index.md")
                if prefix in generated:
                    items[position] = {title: [value, *generated[prefix]]}
