"""Declared errors: the base class of every error a schema declares, and the runtime's own errors
of handlers: an unwritten stub, a durable future that timed out.

    Exception
    ├── DeclaredError             a schema's error: terminal, typed, revived at the caller
    └── restate TerminalError
        ├── HandlerNotImplemented the body of a scaffold not written yet: terminal, 501
        └── DurableTimeout        a durable future's timeout passed first: terminal, 408

Raising a declared error in a handler ends the invocation terminally with the declared HTTP-style
code; the caller gets the same class back with the same field values. Each generated subclass carries
a pydantic model of its fields (`details_model`), used to put the fields on the wire and read them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, ClassVar, Self

from pydantic import BaseModel
from restate.exceptions import TerminalError

__all__ = [
    "ERROR_CLASS_KEY",
    "ERROR_DETAILS_KEY",
    "ERROR_NAME_KEY",
    "DeclaredError",
    "DurableTimeout",
    "HandlerNotImplemented",
    "reraisable",
    "revive",
]

# A declared error travels as a TerminalError whose metadata names it and carries its fields;
# Restate passes failure metadata on to callers, in context and through ingress alike.
ERROR_NAME_KEY = "restagen-error"
ERROR_DETAILS_KEY = "restagen-details"
# The class's import path: lets the process that raised an error revive it from its own journal
# (a `ctx.run` action that raised it, replayed).
ERROR_CLASS_KEY = "restagen-class"

_CLASSES: dict[str, type[DeclaredError]] = {}


def _path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


class DeclaredError(Exception):
    """An error declared in a schema: terminal, typed, revived at the caller."""

    code: ClassVar[int] = 500
    details_model: ClassVar[type[BaseModel]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _CLASSES[_path(cls)] = cls

    def __init__(self, details: BaseModel) -> None:
        self.details = details
        super().__init__(f"{type(self).__name__} {details.model_dump_json(by_alias=True)}")

    def to_wire(self) -> dict[str, Any]:
        """The fields as JSON-ready data, by their schema names."""
        return self.details.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild the error from the fields `to_wire` produced."""
        details = cls.details_model.model_validate(data)
        error = cls.__new__(cls)
        for name in type(details).model_fields:
            setattr(error, name, getattr(details, name))
        DeclaredError.__init__(error, details)
        return error

    def to_terminal(self) -> TerminalError:
        """The terminal error that ends the invocation and carries this error to the caller."""
        details = json.dumps(self.to_wire(), separators=(",", ":"), sort_keys=True)
        return TerminalError(
            f"{type(self).__name__}: {details}",
            status_code=self.code,
            metadata={
                ERROR_NAME_KEY: type(self).__name__,
                ERROR_DETAILS_KEY: details,
                ERROR_CLASS_KEY: _path(type(self)),
            },
        )

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self) and isinstance(other, DeclaredError) and other.details == self.details
        )

    def __hash__(self) -> int:
        return hash((type(self), self.details.model_dump_json()))


class HandlerNotImplemented(TerminalError):
    """Raised by a scaffold whose handler has no body yet: ends the invocation with 501.

    A plain exception would make Restate retry the invocation forever, the caller waiting and the
    log filling with the same traceback; a terminal error fails the call at once, naming the handler.
    """

    def __init__(self, handler: str) -> None:
        super().__init__(f"not implemented: {handler}", status_code=501)
        self.handler = handler


class DurableTimeout(TerminalError):
    """A durable future did not complete within its timeout (a durable sleep won the race).

    Terminal, with status 408: a retry would replay the same journaled race and time out again,
    so raised out of a handler it ends the invocation. The future itself keeps running (a call is
    not cancelled: cancel it if it must stop).
    """

    def __init__(self, delay: timedelta) -> None:
        super().__init__(f"timed out after {delay}", status_code=408)
        self.delay = delay


def revive(
    declared: Iterable[type[DeclaredError]] | None, metadata: Mapping[str, str] | None
) -> DeclaredError | None:
    """The declared error that the `metadata` of a failure describes, if there is one to revive.

    `declared` is what the caller agreed on (a handler's errors); None takes any declared error
    whose class is loaded in this process (a `ctx.run` action's own error, replayed). Never
    raises: fields that no longer fit the class leave the failure as it is.
    """
    if not metadata or ERROR_NAME_KEY not in metadata:
        return None
    if declared is None:
        cls = _CLASSES.get(metadata.get(ERROR_CLASS_KEY, ""))
        declared = (cls,) if cls is not None else ()
    name = metadata[ERROR_NAME_KEY]
    for error in declared:
        if error.__name__ == name:
            try:
                return error.from_wire(json.loads(metadata.get(ERROR_DETAILS_KEY) or "{}"))
            except Exception:  # any mismatch of the fields: not this class
                return None
    return None


def reraisable(failure: TerminalError, declared: Iterable[type[DeclaredError]] | None = None) -> Exception:
    """What to raise for a terminal `failure`: the declared error it carries, else `failure` itself.

    `declared` as for `revive`. Raise it `from None`: a revived error stands as the callee raised it.
    """
    return revive(declared, failure.metadata) or failure
