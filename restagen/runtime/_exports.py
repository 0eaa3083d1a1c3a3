"""Lazy exports: a package's public names, imported from their private modules on first use.

A public package lists its names as imports under `if TYPE_CHECKING:`, which is what type
checkers and readers see, and otherwise takes `__getattr__` and `__dir__` from `lazy_exports`.
A private module is imported only when one of its names is first read, so that importing a
generated app loads what its requests need and nothing more (no HTTP client in an endpoint
that never calls the ingress, no settings reader until configuration is read).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["exported_names", "lazy_exports"]


_BLOCK = re.compile(r"^if TYPE_CHECKING:\n(?P<body>(?:[ \t]+.*\n|\n)*)", re.MULTILINE)
_IMPORT = re.compile(r"from\s+(?P<module>[\w.]+)\s+import\s+(?:\((?P<many>[^)]*)\)|(?P<one>[^\n]*))")


def exported_names(path: Path) -> dict[str, str]:
    """Each name imported under `if TYPE_CHECKING:` in the package at `path`, with its module.

    The imports there are absolute `from ... import ...` statements, one name per entry (no
    `as`): a plain reading of the text, far cheaper than parsing the module, finds them.
    """
    block = _BLOCK.search(path.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    if block is None:
        return names
    for statement in _IMPORT.finditer(block["body"]):
        listed = statement["many"] if statement["many"] is not None else statement["one"]
        for name in listed.replace("\n", " ").split(","):
            if name.strip():
                names[name.strip()] = statement["module"]
    return names


def lazy_exports(package: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of the public package `package`."""
    module = sys.modules[package]
    sources: dict[str, str] = {}

    def __getattr__(name: str) -> Any:
        if not sources:
            sources.update(exported_names(Path(str(module.__file__))))
        source = sources.get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        setattr(module, name, value)  # read once: later reads are plain attribute lookups
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(module), *getattr(module, "__all__", ())})

    return __getattr__, __dir__
