"""Structural validation: plain data of one file -> `language.Document`, errors as diagnostics.

pydantic checks the shapes; this module turns its errors into positioned diagnostics with the
document path, and suggests a near key for an unknown one.
"""

from __future__ import annotations

import copy
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from restagen.compiler.frontends.load import DocPath, SourceDocument
from restagen.compiler.structure.language import EXPR_TAG, INLINE_TAG, SPEC_TAG, Document
from restagen.diagnostics import Diagnostics, did_you_mean

__all__ = ["check_structure", "check_structure_partial", "dotted"]


def dotted(path: DocPath) -> str:
    """`('services', 'order', 'handlers', 0)` -> `services.order.handlers[0]`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_TAGS = frozenset({SPEC_TAG, EXPR_TAG, INLINE_TAG})


def _strip_tags(loc: tuple[int | str, ...]) -> DocPath:
    """The document path of a pydantic error location: without the tags of tagged unions (but
    a key of the user's that starts with "~" is kept)."""
    return tuple(part for part in loc if part not in _TAGS)


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _tagged_member(annotation: Any, tag: str) -> Any:
    for member in typing.get_args(annotation):
        for meta in getattr(member, "__metadata__", ()):
            if getattr(meta, "tag", None) == tag:
                return member
    return None


def _optional_inner(annotation: Any) -> Any:
    """`X | None` -> `X` (unwrapped); anything else unchanged."""
    annotation = _unwrap(annotation)
    while typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [m for m in typing.get_args(annotation) if m is not type(None)]
        if len(members) != 1:
            break
        annotation = _unwrap(members[0])
    return annotation


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The input model class found by following `loc` from the document root."""
    current: Any = Document
    for part in loc:
        if part in _TAGS:
            current = _tagged_member(_optional_inner(current), part)
            continue
        current = _optional_inner(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
            continue
        origin = typing.get_origin(current)
        if origin is dict:
            current = typing.get_args(current)[1]
        elif origin is list:
            current = typing.get_args(current)[0]
        else:
            return None
    current = _optional_inner(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _plain_message(message: str) -> str:
    """pydantic's "Input should be a valid boolean, unable to interpret input" -> "must be a boolean"."""
    message = message.replace(", unable to interpret input", "")
    message = message.replace("Input should be a valid ", "must be a ")
    return message.replace("Input should be ", "must be ")


def check_structure(doc: SourceDocument, diagnostics: Diagnostics) -> Document | None:
    """Validate one loaded file against the language's input model."""
    if not isinstance(doc.data, dict):
        diagnostics.error(
            "structure",
            f"a definition file must be a mapping, found {_describe(doc.data)}",
            doc.source_map.position(()),
            hint="start with 'restagen: 1' and 'package: <dotted.name>'",
        )
        return None
    try:
        return Document.model_validate(doc.data)
    except ValidationError as exc:
        _report(doc, exc, diagnostics)
        return None


def check_structure_partial(
    doc: SourceDocument, diagnostics: Diagnostics
) -> tuple[Document | None, frozenset[tuple[str, str]]]:
    """Like `check_structure`, but on errors also return the document without the broken entries.

    Each declaration with a structural error (`types.X`, `services.y`...) is left out, so that the
    rest of the file can still be resolved and every problem reported in one run. The second value
    names what was left out, so that references to it are not reported again as unknown.
    """
    if not isinstance(doc.data, dict):
        return check_structure(doc, diagnostics), frozenset()
    try:
        return Document.model_validate(doc.data), frozenset()
    except ValidationError as exc:
        _report(doc, exc, diagnostics)
        pruned = _prune(doc.data, exc)
    if pruned is None:
        return None, frozenset()
    data, removed = pruned
    try:
        return Document.model_validate(data), removed
    except ValidationError:
        return None, frozenset()


def _prune(
    data: dict[str, Any], exc: ValidationError
) -> tuple[dict[str, Any], frozenset[tuple[str, str]]] | None:
    """A copy of `data` without what failed: unknown keys alone, otherwise the whole declaration."""
    data = copy.deepcopy(data)
    removed: set[tuple[str, str]] = set()
    for error in exc.errors(include_url=False):
        path = _strip_tags(tuple(error["loc"]))
        if not path or path[0] == "package":
            return None
        section = str(path[0])
        # A misspelt key on a type may be its shape ('propertes'): leave the whole type out then.
        shape_key = section in ("types", "events", "errors") and len(path) == 3
        if error["type"] == "extra_forbidden" and not shape_key and _delete(data, path):
            continue
        if path == ("restagen",):
            data["restagen"] = 1
        elif len(path) == 1 or not isinstance(data.get(section), dict):
            data.pop(section, None)
        else:
            data[section].pop(path[1], None)
            removed.add((section, str(path[1])))
    return data, frozenset(removed)


def _delete(data: Any, path: DocPath) -> bool:
    """Delete the mapping entry at `path`; False when the path does not lead to one."""
    for part in path[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(data, dict) and path[-1] in data:
        del data[path[-1]]
        return True
    return False


def _report(doc: SourceDocument, exc: ValidationError, diagnostics: Diagnostics) -> None:
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        # The last part of an unknown key's location is the key itself, whatever it is called.
        path = (*_strip_tags(loc[:-1]), loc[-1]) if kind == "extra_forbidden" else _strip_tags(loc)
        if kind == "extra_forbidden":
            key = str(path[-1])
            model = _model_at(loc[:-1])
            hint = did_you_mean(key, model.model_fields) if model else None
            if model and not hint:
                hint = "allowed keys: " + ", ".join(model.model_fields)
            diagnostics.error(
                "unknown-key",
                f"unknown key '{key}'",
                doc.source_map.position(path, key=True),
                dotted(path[:-1]) or "<document>",
                hint,
            )
            continue
        if kind == "missing":
            key = str(path[-1])
            diagnostics.error(
                "missing-key",
                f"missing required key '{key}'",
                doc.source_map.position(path[:-1], key=True),
                dotted(path[:-1]) or "<document>",
            )
            continue
        message = _plain_message(error["msg"])
        if kind in ("model_type", "dict_type", "model_attributes_type"):
            what = "a type expression or a mapping with 'type'" if "~spec" in loc else "a mapping"
            message = f"expected {what}, found {_describe(error.get('input'))}"
        elif "input" in error:
            message = f"{message}, found {_describe(error['input'])}"
        diagnostics.error("invalid-value", message, doc.source_map.position(path), dotted(path))
