"""The intermediate representation: a frozen, fully resolved picture of a set of definition files.

Every name is checked and every type reference points at its declaring package. Later stages
(models, errors, clients, handlers, sagas, events, manifests) read only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

__all__ = [
    "PRIMITIVES",
    "Component",
    "ComponentKind",
    "EnumType",
    "ErrorDecl",
    "EventDecl",
    "Field",
    "Handler",
    "KafkaBinding",
    "ListOf",
    "MapOf",
    "Named",
    "Nullable",
    "ObjectType",
    "Options",
    "Package",
    "Primitive",
    "Program",
    "Retry",
    "Saga",
    "SagaStep",
    "TypeDecl",
    "TypeRef",
    "UnionOf",
    "UnionType",
]

PRIMITIVES = (
    "string",
    "int",
    "float",
    "bool",
    "bytes",
    "datetime",
    "date",
    "time",
    "duration",
    "uuid",
    "decimal",
    "any",
)


@dataclass(frozen=True)
class Primitive:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Named:
    """A declared type (object, enum, union, event or inline type) of some package."""

    package: str
    name: str

    def __str__(self) -> str:
        return f"{self.package}.{self.name}"


@dataclass(frozen=True)
class ListOf:
    item: TypeRef

    def __str__(self) -> str:
        return f"list[{self.item}]"


@dataclass(frozen=True)
class MapOf:
    value: TypeRef

    def __str__(self) -> str:
        return f"map[{self.value}]"


@dataclass(frozen=True)
class Nullable:
    """A value that may be null: `T | null` (or `T?` anywhere but at the top of a field's type)."""

    inner: TypeRef

    def __str__(self) -> str:
        return f"{self.inner} | null"


@dataclass(frozen=True)
class UnionOf:
    members: tuple[TypeRef, ...]

    def __str__(self) -> str:
        return " | ".join(str(m) for m in self.members)


TypeRef = Primitive | Named | ListOf | MapOf | Nullable | UnionOf


@dataclass(frozen=True)
class Field:
    name: str
    """The name on the wire, as written in the schema."""
    py_name: str
    """The Python attribute name: the wire name, or `name_` for a keyword."""
    type: TypeRef
    optional: bool = False
    """Whether the field may be absent (`T?`); whether it may be null is its type (`Nullable`)."""
    description: str | None = None
    has_default: bool = False
    default: Any = None
    constraints: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ObjectType:
    name: str
    fields: tuple[Field, ...]
    description: str | None = None
    origin: Literal["type", "inline", "event", "error"] = "type"
    tags: tuple[tuple[str, str], ...] = ()
    """Discriminator fields this type carries as a member of tagged unions: (field, value)."""


@dataclass(frozen=True)
class EnumType:
    name: str
    values: tuple[str, ...]
    description: str | None = None


@dataclass(frozen=True)
class UnionType:
    name: str
    members: tuple[Named, ...]
    discriminator: str | None = None
    description: str | None = None


TypeDecl = ObjectType | EnumType | UnionType


@dataclass(frozen=True)
class ErrorDecl:
    name: str
    code: int
    details: Named
    """The object type holding the error's fields (`<Name>Details`)."""
    description: str | None = None


@dataclass(frozen=True)
class EventDecl:
    name: str
    type: Named
    version: str
    """A hash of the canonical structure: changes when a field changes, not when keys are reordered."""
    description: str | None = None


@dataclass(frozen=True)
class Retry:
    max_attempts: int | None = None
    initial_interval: timedelta | None = None
    max_interval: timedelta | None = None
    factor: float | None = None
    on_max_attempts: str | None = None


@dataclass(frozen=True)
class Options:
    inactivity_timeout: timedelta | None = None
    abort_timeout: timedelta | None = None
    idempotency_retention: timedelta | None = None
    journal_retention: timedelta | None = None
    workflow_retention: timedelta | None = None
    ingress_private: bool | None = None
    enable_lazy_state: bool | None = None
    retry: Retry | None = None
    serde: str | None = None


ComponentKind = Literal["service", "object", "workflow"]
HandlerKind = Literal["exclusive", "shared", "workflow"] | None


@dataclass(frozen=True)
class KafkaBinding:
    """An event handler also receives the records of a Kafka topic (a Restate subscription)."""

    topic: str
    cluster: str
    options: tuple[tuple[str, str], ...] = ()
    """Kafka consumer properties of the subscription, sorted by name, values as text."""
    type_header: str | None = None
    """The record header naming each record's event (a handler of several events)."""
    discriminator: str | None = None
    """The field of every event naming it (a handler of several events)."""


@dataclass(frozen=True)
class Handler:
    name: str
    """The Restate name: what the wire and the admin API use."""
    kind: HandlerKind
    input: TypeRef | None
    output: TypeRef | None
    errors: tuple[Named, ...] = ()
    subscribe: tuple[Named, ...] = ()
    options: Options = field(default_factory=Options)
    middleware: tuple[str, ...] = ()
    description: str | None = None
    kafka: KafkaBinding | None = None
    py_name: str = field(kw_only=True)
    """The Python method serving it and calling it: snake_case, derived from `name` or set in the schema."""


@dataclass(frozen=True)
class Component:
    kind: ComponentKind
    name: str
    """The Restate name: what the wire and the admin API use."""
    handlers: tuple[Handler, ...]
    state: tuple[Field, ...] = ()
    promises: tuple[Field, ...] = ()
    options: Options = field(default_factory=Options)
    middleware: tuple[str, ...] = ()
    description: str | None = None
    py_name: str = field(kw_only=True)
    """The snake_case Python name (its module in `impl/`, its parameter of `create_app`), derived from
    `name` or set in the schema; its classes are named after `pascal(py_name)`."""


@dataclass(frozen=True)
class SagaStep:
    name: str
    invoke: tuple[str, str, str] | None = None
    """(package, component, handler) of the participant."""
    compensate: tuple[str, str, str] | None = None
    key: str | None = None
    on_reply: tuple[tuple[TypeRef, str], ...] = ()
    """(reply type, method): the type is the handler's output or one it may be (a union member)."""
    on_error: tuple[tuple[Named, str], ...] = ()
    local: bool = False
    description: str | None = None
    when_field: str | None = None
    """The bool field of the saga data that must be true for the step to run."""
    when_method: str | None = None
    """The predicate method that must return true for the step to run."""
    undo: bool = False
    """A local step with a compensation of its own (the method `undo_<step>`)."""
    saga: tuple[str, str] | None = None
    """(package, saga) of the saga this step runs."""


@dataclass(frozen=True)
class Saga:
    name: str
    data: Named
    steps: tuple[SagaStep, ...]
    options: Options = field(default_factory=Options)
    description: str | None = None


@dataclass(frozen=True)
class Package:
    name: str
    source: str
    """The definition file, relative to the working directory when possible."""
    types: tuple[TypeDecl, ...]
    errors: tuple[ErrorDecl, ...] = ()
    events: tuple[EventDecl, ...] = ()
    components: tuple[Component, ...] = ()
    sagas: tuple[Saga, ...] = ()
    imports: tuple[tuple[str, str], ...] = ()
    """(alias, package name) pairs."""
    description: str | None = None
    serde: str | None = None
    """The package's default codecs (`json` when None)."""
    unknown_fields: str | None = None
    """What the package's codecs do with undeclared fields: `reject`, or ignore them (None)."""

    def type(self, name: str) -> TypeDecl:
        for decl in self.types:
            if decl.name == name:
                return decl
        raise KeyError(name)


@dataclass(frozen=True)
class Program:
    packages: tuple[Package, ...]

    def package(self, name: str) -> Package:
        for package in self.packages:
            if package.name == name:
                return package
        raise KeyError(name)

    def closure(self, package: Package) -> list[Package]:
        """`package` and every package it imports, directly or not, in the order of `packages`."""
        by_name = {p.name: p for p in self.packages}
        seen: set[str] = set()
        pending = [package.name]
        while pending:
            current = pending.pop()
            if current not in seen:
                seen.add(current)
                pending.extend(target for _, target in by_name[current].imports)
        return [p for p in self.packages if p.name in seen]

    def type(self, ref: Named) -> TypeDecl:
        return self.package(ref.package).type(ref.name)
