"""Lazy exports: a package's public names, imported from their private modules on first use.

A public package lists its names as imports under `if TYPE_CHECKING:`, which is what type
checkers and readers see, and otherwise takes `__getattr__` and `__dir__` from `lazy_exports`.
A private module is imported only when one of its names is first read, so that importing a
generated app loads what its requests need and nothing more (no HTTP client in an endpoint
that never calls the ingress, no settings reader until configuration is read).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["exported_names", "lazy_exports"]


_BLOCK = "\nif TYPE_CHECKING:\n"


def exported_names(path: Path) -> dict[str, str]:
    """Each name imported under `if TYPE_CHECKING:` in the package at `path`, with its module.

    The imports there are absolute `from ... import ...` statements, one name per entry (no
    `as`): a plain reading of the lines, far cheaper than parsing the module, finds them.
    """
    text = path.read_text(encoding="utf-8")
    start = text.find(_BLOCK)
    names: dict[str, str] = {}
    if start < 0:
        return names
    module = ""
    for line in text[start + len(_BLOCK) :].splitlines():
        if line and not line[0].isspace():
            break  # the block ends where the code is no longer indented
        words = line.replace("(", " ").replace(")", " ").replace(",", " ").split()
        if words[:1] == ["from"]:
            module, words = words[1], words[3:]
        for word in words:
            names[word] = module
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
