"""Naming rules of the definition language, and the names generated code must not shadow."""

from __future__ import annotations

import builtins
import keyword
import re
import sys

from pydantic import BaseModel

__all__ = [
    "APP_NAMES",
    "GENERATED_MODULES",
    "MAX_NAME",
    "PASCAL",
    "RESERVED_TYPE_NAMES",
    "SNAKE",
    "TAKEN_TOP_LEVEL",
    "check_component_name",
    "check_field_name",
    "check_handler_name",
    "check_pascal",
    "check_snake",
    "pascal",
    "py_field_name",
    "python_name",
    "snake",
]

MAX_NAME = 100
"""Longer names are refused: names become file and folder names, and a file name has at most 255 bytes."""

GENERATED_MODULES = frozenset(
    {
        "app",
        "clients",
        "codecs",
        "contexts",
        "definitions",
        "deploy",
        "errors",
        "events",
        "handlers",
        "impl",
        "main",
        "middleware",
        "models",
        "sagas",
    }
)
"""The modules and folders generated inside a package's folder: no sub-package may be named so."""

APP_NAMES = frozenset(
    {
        "bind",
        "bind_components",
        "components",
        "create_app",
        "definitions",
        "endpoint",
        "identity_keys",
        "restate",
    }
)
"""Names of the generated `app` module: the Python names of components and sagas become its
functions' parameters, beside these."""

TAKEN_TOP_LEVEL = frozenset(sys.stdlib_module_names) | {
    "restagen",
    "restate",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "typing_extensions",
    "annotated_types",
    "httpx",
    "hypercorn",
    "typer",
    "rich",
    "yaml",
}
"""Top-level packages a generated package cannot be named after: the standard library's and those
the generated code and its runtime import. A package of the same name would hide them, or not be
found itself (`json.shop` looks inside the standard library's `json`)."""

PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*\Z")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*\Z")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")

# What restate-server accepts at discovery: a service name may hold dots and dashes, a handler
# name only letters, digits and underscores; both start with a letter or `_` and a letter or digit.
_RESTATE_COMPONENT = re.compile(r"^([A-Za-z]|_[A-Za-z0-9])[A-Za-z0-9._-]*\Z")
_RESTATE_HANDLER = re.compile(r"^([A-Za-z]|_[A-Za-z0-9])[A-Za-z0-9_]*\Z")

# Names the generated modules import or define themselves; a declared type of the same name would
# shadow them. Builtins are reserved too (a type called `List` or `Any` would break the models).
_GENERATED_CODE_NAMES = {
    "Annotated",
    "Any",
    "AwareDatetime",
    "BaseModel",
    "ClassVar",
    "Client",
    "ConfigDict",
    "Decimal",
    "DeclaredError",
    "Dict",
    "Enum",
    "Field",
    "List",
    "Literal",
    "Optional",
    "RootModel",
    "StrEnum",
    "UUID",
    "Union",
    "UtcDatetime",
    # imported by the service modules (contexts, definitions, clients, app, codecs)
    "BsonCodec",
    "CallFuture",
    "ComponentSpec",
    "ContextCaller",
    "Final",
    "HandlerContext",
    "HandlerSpec",
    "Ingress",
    "InvocationHandle",
    "JsonCodec",
    "Mapping",
    "Model",
    "ObjectHandlerContext",
    "ObjectSharedHandlerContext",
    "Options",
    "WorkflowPromise",
    "ReadOnlyStateKey",
    "RestateComponent",
    "RetryPolicy",
    "ContextInvocationHandle",
    "Sequence",
    "ServiceHandlerContext",
    "StateKey",
    "SyncIngress",
    "SyncInvocationHandle",
    "SyncWorkflowHandle",
    "WorkflowHandlerContext",
    "WorkflowHandle",
    "WorkflowSharedHandlerContext",
    # imported by the saga modules
    "Saga",
    "SagaClient",
    "SagaContext",
    "SagaContextClient",
    "SagaSpec",
    "SagaState",
    "SagaStep",
    "SyncSagaClient",
}
_BUILTIN_NAMES = frozenset(n for n in dir(builtins) if n[:1].isupper())
RESERVED_TYPE_NAMES = frozenset(_GENERATED_CODE_NAMES | _BUILTIN_NAMES)

# Attributes of pydantic's BaseModel: a field of the same name would shadow them.
_MODEL_ATTRIBUTES = frozenset(name for name in dir(BaseModel) if not name.startswith("_"))


def pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def snake(name: str) -> str:
    """The snake_case form of a Restate name: `getCount` -> `get_count`, `HTTPGateway` ->
    `http_gateway`, `orders.v2-beta` -> `orders_v2_beta`. May still be no valid Python name (a
    keyword, or empty); callers check it."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")


def python_name(name: str, explicit: str | None) -> str:
    """The Python name of a component or handler: the one set in the schema, else the Restate name in snake_case."""
    return explicit or snake(name)


def check_component_name(name: str) -> str | None:
    """A problem with the Restate name of a service, object, workflow or saga, or None."""
    if len(name) > MAX_NAME:
        return _too_long(name)
    if not _RESTATE_COMPONENT.match(name):
        return (
            f"'{name}' is not a name Restate accepts for a service "
            "(letters, digits, '_', '.' and '-', starting with a letter)"
        )
    # restate-server 1.7 refuses these at registration (META0005), in any letter case.
    if name.lower().startswith("restate"):
        return f"'{name}' starts with 'restate', which Restate reserves for its own services"
    if name.lower() == "openapi":
        return f"'{name}' is a name Restate reserves for its own use"
    return None


def check_handler_name(name: str) -> str | None:
    """A problem with the Restate name of a handler, or None."""
    if len(name) > MAX_NAME:
        return _too_long(name)
    if not _RESTATE_HANDLER.match(name):
        return f"'{name}' is not a name Restate accepts for a handler (letters, digits and '_', starting with a letter)"
    return None


def check_pascal(name: str) -> str | None:
    """A problem with a PascalCase name, or None."""
    if len(name) > MAX_NAME:
        return _too_long(name)
    if not PASCAL.match(name):
        # Keep the word boundaries the name already has: `lineItem` -> `LineItem`, `ORDER_STATE` -> `OrderState`.
        words = re.split(r"[^A-Za-z0-9]+", name)
        suggestion = "".join(w.capitalize() if w.isupper() else w[:1].upper() + w[1:] for w in words)
        hint = f" (try '{suggestion}')" if PASCAL.match(suggestion) else ""
        return f"'{name}' is not PascalCase{hint}"
    if name in _BUILTIN_NAMES:
        return f"'{name}' would shadow the Python builtin '{name}' in the generated code"
    if name in RESERVED_TYPE_NAMES:
        return f"'{name}' would shadow a name the generated code uses"
    return None


def check_snake(name: str) -> str | None:
    """A problem with a snake_case name (service, handler, state key...), or None."""
    if len(name) > MAX_NAME:
        return _too_long(name)
    if not SNAKE.match(name):
        suggestion = re.sub(r"(?<!^)(?=[A-Z])", "_", name)
        suggestion = re.sub(r"[^a-z0-9]+", "_", suggestion.lower()).strip("_")
        hint = f" (try '{suggestion}')" if SNAKE.match(suggestion) else ""
        return f"'{name}' is not snake_case{hint}"
    if keyword.iskeyword(name):
        return f"'{name}' is a Python keyword"
    return None


def check_field_name(name: str) -> str | None:
    """A problem with a field name, or None. Keywords are allowed: they get an alias."""
    if len(name) > MAX_NAME:
        return _too_long(name)
    if not _FIELD.match(name):
        return f"'{name}' is not a valid field name (letters, digits and '_', not starting with a digit)"
    if name.startswith("_"):
        return f"'{name}' starts with '_', which pydantic treats as private"
    if name.startswith("model_") or name in _MODEL_ATTRIBUTES:
        return f"'{name}' would shadow an attribute of pydantic's BaseModel"
    return None


def _too_long(name: str) -> str:
    return f"a name of {len(name)} characters is too long (at most {MAX_NAME})"


# Names the models module uses in annotations. datamodel-code-generator renames a field that
# would shadow a builtin one (`str` becomes `str_`), but only where the module uses it, and keeps
# `datetime` by importing the type under another name; naming every such field ourselves keeps the
# models and the code that reads their attributes (sagas) in step, as docs/language.md says.
_ANNOTATION_NAMES = frozenset(
    {"str", "int", "float", "bool", "bytes", "list", "dict", "date", "time", "datetime", "timedelta"}
)


def py_field_name(name: str) -> str:
    """The Python attribute for a field: keywords and the names models use in annotations get a
    trailing underscore; the wire name stays as alias."""
    return f"{name}_" if keyword.iskeyword(name) or name in _ANNOTATION_NAMES else name
