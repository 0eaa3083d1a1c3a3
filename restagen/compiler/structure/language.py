"""The definition language as a strict input model.

These pydantic models accept exactly the shapes of a `.restagen.yaml` document (unknown keys are
errors) and are the source of `restagen/restagen.schema.json`. They check structure only; names,
type expressions, references and durations are checked by `resolve`, which knows positions and
suggests near names.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

__all__ = [
    "DURATION_PATTERN",
    "Document",
    "ErrorDef",
    "EventDef",
    "FieldSpec",
    "HandlerDef",
    "InlineType",
    "KafkaBindingDef",
    "ObjectDef",
    "Options",
    "RetryPolicy",
    "SagaDef",
    "SagaStep",
    "ServiceDef",
    "TypeDef",
    "WorkflowDef",
]

DURATION_PATTERN = r"^(\d+(ms|s|m|h|d)|P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?)$"
"""`100ms`, `10s`, `5m`, `1h`, `1d`, or an ISO-8601 duration such as `PT5S` or `P1DT2H`."""

Duration = Annotated[str, Field(json_schema_extra={"pattern": DURATION_PATTERN}, examples=["100ms", "PT5S"])]
TypeExpr = Annotated[
    str,
    Field(
        description="A type expression: string int float bool bytes datetime date time duration uuid decimal any, "
        "a named type, list[T], map[T], T? (a field that may be absent), T | null (a value that may be null), "
        "A | B, alias.Name.",
        examples=["string", "list[LineItem]", "common.Money?"],
    ),
]


def _blank_is_none(text: str | None) -> str | None:
    return text if text and text.strip() else None


Description = Annotated[str | None, AfterValidator(_blank_is_none)]
"""Free text for docstrings; a blank one is no description at all."""

# Tags of the tagged unions below start with "~": `resolve` drops them from document paths.
SPEC_TAG = "~spec"
EXPR_TAG = "~expr"
INLINE_TAG = "~inline"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """The full form of a type use: `{type: T, description, default, optional, constraints}`."""

    type: TypeExpr
    description: Description = None
    default: Any = None
    optional: bool = False
    min: float | None = None
    max: float | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)
    pattern: str | None = None


class InlineType(_Strict):
    """An object type written in place of a handler's input or output."""

    description: Description = None
    properties: dict[str, PropertyType] = Field(default_factory=dict)


def _type_use_tag(value: Any) -> str:
    if isinstance(value, str):
        return EXPR_TAG
    if isinstance(value, dict) and "properties" in value:
        return INLINE_TAG
    return SPEC_TAG


def _property_tag(value: Any) -> str:
    return EXPR_TAG if isinstance(value, str) else SPEC_TAG


PropertyType = Annotated[
    Annotated[TypeExpr, Tag(EXPR_TAG)] | Annotated[FieldSpec, Tag(SPEC_TAG)],
    Discriminator(_property_tag),
]
TypeUse = Annotated[
    Annotated[TypeExpr, Tag(EXPR_TAG)]
    | Annotated[FieldSpec, Tag(SPEC_TAG)]
    | Annotated[InlineType, Tag(INLINE_TAG)],
    Discriminator(_type_use_tag),
]
Properties = dict[str, PropertyType]


class TypeDef(_Strict):
    """A named type: an object (`properties`), an enum (`enum`) or a union (`union`, `discriminator`)."""

    description: Description = None
    properties: Properties | None = None
    enum: list[str] | None = None
    union: list[TypeExpr] | None = None
    discriminator: str | None = None


class ErrorDef(_Strict):
    """A typed error: terminal, never retried, revived as the same class at the caller."""

    description: Description = None
    code: int = Field(default=500, ge=400, le=599)
    properties: Properties = Field(default_factory=dict)


class EventDef(_Strict):
    """A pub/sub event type; its version is a hash of its canonical structure."""

    description: Description = None
    properties: Properties = Field(default_factory=dict)


class RetryPolicy(_Strict):
    max_attempts: int | None = Field(default=None, ge=1)
    initial_interval: Duration | None = None
    max_interval: Duration | None = None
    factor: float | None = Field(default=None, gt=0)
    on_max_attempts: Literal["pause", "kill"] | None = None


class Options(_Strict):
    """Restate options of a service, object, workflow or handler."""

    inactivity_timeout: Duration | None = None
    abort_timeout: Duration | None = None
    idempotency_retention: Duration | None = None
    journal_retention: Duration | None = None
    workflow_retention: Duration | None = None
    ingress_private: bool | None = None
    enable_lazy_state: bool | None = None
    retry: RetryPolicy | None = None
    serde: Literal["json", "bson"] | None = None


class KafkaBindingDef(_Strict):
    """Binds an event handler to a Kafka topic through a Restate subscription."""

    topic: str = Field(description="The Kafka topic whose records the handler receives.")
    cluster: str = Field(
        default="kafka", description="The Kafka cluster, as named in restate-server's configuration."
    )
    options: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="Kafka consumer properties of the subscription (librdkafka), e.g. auto.offset.reset.",
    )
    type_header: str | None = Field(
        default=None,
        description="For a handler of several events: the record header that names each record's event.",
    )
    discriminator: str | None = Field(
        default=None,
        description="For a handler of several events: the string field of every event that names it.",
    )


PythonName = Annotated[
    str | None,
    Field(
        description="The snake_case name of the generated Python method or module, when the one derived "
        "from the Restate name does not suit; the wire keeps the Restate name.",
        examples=["get_count"],
    ),
]


class HandlerDef(_Strict):
    description: Description = None
    python_name: PythonName = None
    kind: Literal["exclusive", "shared"] | None = None
    input: TypeUse | None = None
    output: TypeUse | None = None
    errors: list[str] = Field(default_factory=list)
    subscribe: list[str] = Field(default_factory=list)
    kafka: KafkaBindingDef | None = Field(
        default=None, description="For an event handler: also receive the records of a Kafka topic."
    )
    options: Options | None = None
    middleware: list[str] = Field(default_factory=list)


def _empty_handlers(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: {} if handler is None else handler for name, handler in value.items()}
    return value


class _Component(_Strict):
    description: Description = None
    python_name: PythonName = None
    handlers: dict[str, HandlerDef] = Field(default_factory=dict)
    options: Options | None = None
    middleware: list[str] = Field(default_factory=list)

    @field_validator("handlers", mode="before")
    @classmethod
    def _allow_empty_handlers(cls, value: Any) -> Any:
        return _empty_handlers(value)


class ServiceDef(_Component):
    """A stateless Restate service."""


class ObjectDef(_Component):
    """A Restate virtual object, addressed by key, with declared state."""

    state: dict[str, PropertyType] = Field(default_factory=dict)


class WorkflowDef(_Component):
    """A Restate workflow: one `run` per key, shared handlers and durable promises."""

    state: dict[str, PropertyType] = Field(default_factory=dict)
    promises: dict[str, PropertyType] = Field(default_factory=dict)
    run: HandlerDef = Field(default_factory=HandlerDef)


class SagaStep(_Strict):
    name: str
    description: Description = None
    invoke: str | None = None
    compensate: str | bool | None = Field(
        default=None,
        description="The handler that undoes the step (`component.handler`); for a local step, `true`:"
        " a generated method `undo_<step>` undoes it.",
    )
    key: str | None = Field(
        default=None, description="For an object participant: the saga data field holding its key."
    )
    on_reply: dict[str, str] = Field(default_factory=dict)
    on_error: dict[str, str] = Field(default_factory=dict)
    local: bool = False
    saga: str | None = Field(
        default=None,
        description="Run another saga as this step (`saga`, or `alias.saga` of an imported file): it is"
        " started with the id `<saga id>/<step>`, and compensating this saga compensates it.",
    )
    when: str | None = Field(
        default=None,
        description="Run the step only when this bool field of the saga data is true, or, written"
        " `name()`, when the generated predicate method `name` returns true; otherwise it is skipped.",
        examples=["with_car", "needs_car()"],
    )


class SagaDef(_Strict):
    """An orchestrated transaction: ordered steps, each with an optional compensation."""

    description: Description = None
    data: TypeExpr
    steps: list[SagaStep]
    options: Options | None = None


class Document(_Strict):
    """One `.restagen.yaml` file: one package of generated code."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="restagen definition file",
        json_schema_extra={
            "$comment": "Generated by `restagen schema`. Edit restagen/compiler/structure/language.py instead."
        },
    )

    restagen: Literal[1] = Field(description="Language version.")
    package: str = Field(description="Dotted Python package of the generated code.", examples=["ftgo.orders"])
    description: Description = None
    imports: dict[str, str] = Field(
        default_factory=dict, description="Alias -> relative path of another definition file."
    )
    types: dict[str, TypeDef] = Field(default_factory=dict)
    errors: dict[str, ErrorDef] = Field(default_factory=dict)
    events: dict[str, EventDef] = Field(default_factory=dict)
    services: dict[str, ServiceDef] = Field(default_factory=dict)
    objects: dict[str, ObjectDef] = Field(default_factory=dict)
    workflows: dict[str, WorkflowDef] = Field(default_factory=dict)
    sagas: dict[str, SagaDef] = Field(default_factory=dict)
    serde: Literal["json", "bson"] | None = Field(
        default=None, description="The codecs of the whole package; a component's or handler's options win."
    )
    unknown_fields: Literal["ignore", "reject"] | None = Field(
        default=None,
        description="What the package's codecs do with fields a type does not declare: ignore (default) or reject.",
    )


InlineType.model_rebuild()
