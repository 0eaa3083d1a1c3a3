"""Records: frozen classes of named fields, declared like dataclasses and as cheap to define as
any class.

`dataclasses` writes and compiles the methods of each class it decorates, which costs most of a
millisecond per class when a module is imported; the runtime declares a dozen such classes that
every endpoint imports. A `Record` subclass gets the same behaviour from methods written once
here: keyword or positional construction in field order, defaults (a plain value, or
`dataclasses.field(default_factory=...)`), equality and hashing by fields, a readable repr, and
no assignment after construction. Type checkers see a frozen dataclass.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from typing_extensions import dataclass_transform

__all__ = ["Record"]

_MISSING = object()


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
class Record:
    """The base of frozen records: the fields are the annotated class attributes, in order."""

    _record_fields: ClassVar[tuple[str, ...]] = ()
    _record_defaults: ClassVar[dict[str, Any]] = {}
    _record_factories: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._record_fields)
        defaults = dict(cls._record_defaults)
        factories = dict(cls._record_factories)
        for name, annotation in vars(cls).get("__annotations__", {}).items():
            if str(annotation).startswith("ClassVar"):
                continue
            if name not in fields:
                fields.append(name)
            value = vars(cls).get(name, _MISSING)
            if isinstance(value, dataclasses.Field):
                if value.default_factory is not dataclasses.MISSING:
                    factories[name] = value.default_factory
                elif value.default is not dataclasses.MISSING:
                    defaults[name] = value.default
                delattr(cls, name)
            elif value is not _MISSING:
                defaults[name] = value
        cls._record_fields = tuple(fields)
        cls._record_defaults = defaults
        cls._record_factories = factories

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._record_fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes {len(fields)} fields, not {len(args)}")
        values = dict(zip(fields, args, strict=False))
        for name, value in kwargs.items():
            if name not in fields:
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
            if name in values:
                raise TypeError(f"{type(self).__name__} got field {name!r} twice")
            values[name] = value
        setter = object.__setattr__
        for name in fields:
            if name in values:
                setter(self, name, values[name])
            elif name in self._record_defaults:
                setter(self, name, self._record_defaults[name])
            elif name in self._record_factories:
                setter(self, name, self._record_factories[name]())
            else:
                raise TypeError(f"{type(self).__name__} needs field {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._record_fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_fields)
        return f"{type(self).__qualname__}({fields})"
