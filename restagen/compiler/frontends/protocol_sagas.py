"""Sagas in the Protocol front end: a class decorated `@restagen.saga(...)` whose attributes are
`restagen.step(...)`s, read into the `sagas` section a definition file would have.

A step's participants may be handler methods of this module's component classes (`Airline.book`),
read back as `airline.book`, or texts; reply types are classes or type expression texts; errors
are classes or names. Each step is positioned at the line of its attribute, so that the resolver's
diagnostics point into the module.
"""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, Any

from restagen.compiler.frontends.load import DocPath
from restagen.decorators import COMPONENT_ATTR, SAGA_ATTR, ProtocolSaga, ProtocolStep

if TYPE_CHECKING:
    from restagen.compiler.frontends.protocol import _Translator

__all__ = ["saga_decl"]


def saga_decl(translator: _Translator, cls: type, info: ProtocolSaga) -> dict[str, Any]:
    """The definition of the saga declared by `cls`."""
    path: DocPath = ("sagas", info.name)
    span = translator.mark_definition(path, cls, "class", cls.__name__)
    decorator = (
        (span[0], translator.find_line(span, rf"^\s*class\s+{cls.__name__}\b") or span[0]) if span else None
    )
    decl: dict[str, Any] = {}
    if description := info.description or inspect.getdoc(cls):
        decl["description"] = description
    translator.mark((*path, "data"), translator.find_line(decorator, r"\bdata\s*="), "data")
    decl["data"] = translator.reference(info.data, (*path, "data"))
    if info.options is not None:
        from restagen.compiler.frontends.protocol import _plain_options

        translator.mark((*path, "options"), translator.find_line(decorator, r"\boptions\s*="), "options")
        decl["options"] = _plain_options(info.options)
    steps = [(name, value) for name, value in cls.__dict__.items() if isinstance(value, ProtocolStep)]
    translator.mark((*path, "steps"), span[0] if span else None)
    decl["steps"] = [
        _step(translator, name, value, span, (*path, "steps", index))
        for index, (name, value) in enumerate(steps)
    ]
    return decl


def _step(
    translator: _Translator, name: str, step: ProtocolStep, span: tuple[int, int] | None, path: DocPath
) -> dict[str, Any]:
    line = translator.find_line(span, rf"^\s*{re.escape(name)}\s*(:[^=]*)?=")
    for key in ("", "name", "invoke", "compensate", "key", "on_reply", "on_error", "local", "saga", "when"):
        translator.mark((*path, key) if key else path, line, name)
    decl: dict[str, Any] = {"name": name}
    if step.description:
        decl["description"] = step.description
    decl.update(_participants(translator, step, path))
    if step.key is not None:
        decl["key"] = step.key
    if step.on_reply:
        decl["on_reply"] = {_type(translator, t, (*path, "on_reply")): m for t, m in step.on_reply.items()}
    if step.on_error:
        decl["on_error"] = {
            e if isinstance(e, str) else translator.reference(e, (*path, "on_error")): action
            for e, action in step.on_error.items()
        }
    if step.local:
        decl["local"] = True
    if step.when is not None:
        decl["when"] = step.when
    return decl


def _participants(translator: _Translator, step: ProtocolStep, path: DocPath) -> dict[str, Any]:
    """What a step runs and what undoes it: `saga`, `invoke`, `compensate`."""
    decl: dict[str, Any] = {}
    if step.saga is not None:
        info = getattr(step.saga, SAGA_ATTR, None)
        decl["saga"] = info.name if isinstance(info, ProtocolSaga) else str(step.saga)
    if step.invoke is not None:
        decl["invoke"] = _participant(translator, step.invoke, (*path, "invoke"))
    if step.compensate is True:
        decl["compensate"] = True
    elif step.compensate is not None:
        decl["compensate"] = _participant(translator, step.compensate, (*path, "compensate"))
    return decl


def _participant(translator: _Translator, value: Any, path: DocPath) -> str:
    """`component.handler` of a handler method of a component class of this module, or the text."""
    if isinstance(value, str):
        return value
    owner_name, _, handler = getattr(value, "__qualname__", "").rpartition(".")
    owner = vars(translator.module).get(owner_name)
    info = getattr(owner, COMPONENT_ATTR, None) if owner is not None else None
    if info is None or not inspect.isfunction(value):
        translator.error(
            path,
            f"'{getattr(value, '__qualname__', type(value).__name__)}' is not a handler of a component of this module",
            "name a method of a decorated component class (Airline.book), or write 'component.handler'",
        )
        return "?"
    return f"{info.name}.{handler}"


def _type(translator: _Translator, value: Any, path: DocPath) -> str:
    if isinstance(value, str):
        return value
    from restagen.compiler.frontends.protocol import _Unsupported

    try:
        return translator.expr(value, path)
    except _Unsupported as exc:
        translator.error(path, str(exc))
        return "?"
