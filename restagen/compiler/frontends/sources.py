"""Finding and reading definition files: paths and folders in, checked documents out.

Follows `imports:` from file to file, reports missing files and import cycles, and hands each file
on as a `Unit` (its document and source map). Python modules (`*.py`) go through the Protocol front end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from restagen.compiler.frontends.load import SourceMap, load_file
from restagen.compiler.structure.check import check_structure_partial
from restagen.compiler.structure.language import Document
from restagen.diagnostics import Diagnostics, Position

__all__ = ["SUFFIX", "Unit", "discover", "load_units"]

SUFFIX = ".restagen.yaml"


@dataclass(frozen=True)
class Unit:
    """One checked definition file."""

    path: Path
    """Absolute, resolved path of the file."""
    display: str
    """The file name shown in diagnostics and generated headers."""
    document: Document
    source_map: SourceMap
    imports: tuple[tuple[str, Path], ...] = ()
    """(alias, absolute path) of each import."""
    pruned: frozenset[tuple[str, str]] = frozenset()
    """(section, name) of declarations left out because of structural errors, already reported."""
    source_name: str = ""
    """The file relative to the folder holding all files of the run: stable wherever restagen runs."""


def display_name(path: Path) -> str:
    try:
        return os.path.relpath(path, Path.cwd()).replace(os.sep, "/")
    except ValueError:
        return path.as_posix()


def discover(paths: list[Path], diagnostics: Diagnostics) -> list[Path]:
    """Expand folders into the definition files below them; keep the order stable."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            diagnostics.error("io", "no such file or folder", Position(display_name(path)))
    return [p.resolve() for p in dict.fromkeys(found)]


_Read = tuple[Document, SourceMap, frozenset[tuple[str, str]]]


def _read(path: Path, diagnostics: Diagnostics) -> _Read | None:
    display = display_name(path)
    if path.suffix == ".py":
        from restagen.compiler.frontends.protocol import read_protocol_module

        read = read_protocol_module(path, display, diagnostics)
        return (*read, frozenset()) if read else None
    source = load_file(path, diagnostics, display=display)
    if source is None:
        return None
    document, pruned = check_structure_partial(source, diagnostics)
    return (document, source.source_map, pruned) if document else None


def load_units(paths: list[Path], diagnostics: Diagnostics) -> list[Unit]:
    """Read every file named or imported, each once; report cycles in the import graph."""
    units: dict[Path, Unit] = {}
    failed: set[Path] = set()
    pending = discover(paths, diagnostics)
    while pending:
        path = pending.pop(0)
        if path in units or path in failed:
            continue
        read = _read(path, diagnostics)
        if read is None:
            failed.add(path)
            continue
        document, source_map, pruned = read
        imports: list[tuple[str, Path]] = []
        for alias, target in document.imports.items():
            resolved = _existing_file(path.parent, target)
            if resolved is None:
                diagnostics.error(
                    "import-missing",
                    f"imported file '{target}' does not exist",
                    source_map.position(("imports", alias)),
                    f"imports.{alias}",
                    hint="import paths are relative to the importing file",
                )
                continue
            imports.append((alias, resolved))
            pending.append(resolved)
        units[path] = Unit(path, display_name(path), document, source_map, tuple(imports), pruned=pruned)
    _report_cycles(units, diagnostics)
    if not units:
        return []
    root = Path(os.path.commonpath([p.parent for p in units]))
    named = [replace(u, source_name=u.path.relative_to(root).as_posix()) for u in units.values()]
    for unit in named:
        # The name is written into the header comment of each generated module.
        if not unit.source_name.isprintable():
            diagnostics.error(
                "file-name",
                f"the file name '{unit.source_name}' has a character that cannot be written in generated code",
                Position(unit.display, 1, 1),
                hint="rename the file without line breaks or other control characters",
            )
    return named


def _existing_file(folder: Path, target: str) -> Path | None:
    """The resolved path of `target` relative to `folder`, or None when it names no file (or
    cannot name one: a NUL, a name too long for the file system, a link that loops)."""
    try:
        resolved = (folder / target).resolve()
        return resolved if resolved.is_file() else None
    except (OSError, ValueError, RuntimeError):
        return None


def _report_cycles(units: dict[Path, Unit], diagnostics: Diagnostics) -> None:
    """Depth-first, each file once; with a stack of its own, as a chain of imports may be long."""
    state: dict[Path, int] = {}  # 1 = on the stack, 2 = done
    stack: list[Path] = []
    pending: list[Iterator[tuple[str, Path]]] = []

    def enter(path: Path) -> None:
        state[path] = 1
        stack.append(path)
        pending.append(iter(units[path].imports))

    for root in sorted(units):
        if root in state:
            continue
        enter(root)
        while stack:
            step = next(pending[-1], None)
            if step is None:
                state[stack.pop()] = 2
                pending.pop()
                continue
            alias, target = step
            if target not in units:
                continue
            if state.get(target) == 1:
                unit = units[stack[-1]]
                cycle = [*stack[stack.index(target) :], target]
                chain = " -> ".join(units[p].display for p in cycle)
                diagnostics.error(
                    "import-cycle",
                    f"import cycle: {chain}",
                    unit.source_map.position(("imports", alias)),
                    f"imports.{alias}",
                    hint="a file cannot import itself"
                    if len(cycle) == 2
                    else "move the definitions they share into a separate file that each of them imports",
                )
            elif target not in state:
                enter(target)
