"""What the service templates print, computed from the IR: names, annotations, codecs, imports.

One `PackageView` per package. The templates of `contexts`, `definitions`, `handlers`, `clients`,
`app` and the scaffolds only display these values; every name and annotation is decided here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from restagen.compiler import ir
from restagen.compiler.render import expressions
from restagen.compiler.render.annotations import PRIMITIVE_CLASSES, Imports, annotation
from restagen.compiler.render.events import event_constant, events_module_alias
from restagen.compiler.resolve.names import pascal

__all__ = [
    "CodecView",
    "ComponentView",
    "HandlerView",
    "PackageView",
    "StateView",
    "package_view",
    "spec_constant",
]

_KIND_SUFFIX = {"service": "Service", "object": "Object", "workflow": "Workflow"}


@dataclass(frozen=True)
class CodecView:
    name: str
    annotation: str
    """The annotation of the type the codec carries."""
    codec_class: str
    inferred: bool
    """Whether a type checker infers the codec's type parameter from its argument (not from a union)."""
    unknown_fields: str | None = None
    """`reject` when the package's codecs refuse undeclared fields."""

    @property
    def declared_type(self) -> str:
        """What the constant is declared as: `Final`, or `Final[JsonCodec[Order | None]]`."""
        return "Final" if self.inferred else f"Final[{self.codec_class}[{self.annotation}]]"

    @property
    def expression(self) -> str:
        options = f", unknown_fields={self.unknown_fields!r}" if self.unknown_fields else ""
        return f"{self.codec_class}({self.annotation}{options})"


@dataclass(frozen=True)
class HandlerView:
    name: str
    """The Python method."""
    restate_name: str
    kind: str | None
    spec: str
    """Name of the HandlerSpec constant in `definitions`."""
    input: str | None
    """Annotation of the request, None when the handler takes nothing."""
    output: str
    """Annotation of the result ("None" when it returns nothing)."""
    input_codec: str | None
    output_codec: str | None
    errors: tuple[str, ...]
    context: str
    options: str | None
    """The `Options(...)` expression, None when the schema sets none."""
    middleware: tuple[str, ...]
    events: tuple[str, ...]
    """Expressions of the `EventSpec`s the handler subscribes to."""
    description: str | None
    event_type_header: str | None = None
    """The Kafka record header naming a record's event."""
    event_discriminator: str | None = None
    """The field naming a Kafka record's event."""

    @property
    def method(self) -> str | None:
        """The `method` of its spec: the Python method, when not the Restate name."""
        return self.name if self.name != self.restate_name else None

    @property
    def is_run(self) -> bool:
        return self.kind == "workflow"

    @property
    def errors_tuple(self) -> str:
        return expressions.tuple_of(self.errors)

    @property
    def middleware_tuple(self) -> str:
        return expressions.tuple_of(repr(name) for name in self.middleware)

    @property
    def events_tuple(self) -> str:
        return expressions.tuple_of(self.events)


@dataclass(frozen=True)
class StateView:
    name: str
    annotation: str
    codec: str
    default: str | None = None
    """The Python expression of the declared default (state keys only)."""

    @property
    def type_args(self) -> str:
        """`StateKey[...]`'s arguments: the type, and the type again when there is a default."""
        return f"{self.annotation}, {self.annotation}" if self.default is not None else self.annotation

    @property
    def default_arg(self) -> str:
        return f", default={self.default}" if self.default is not None else ""


@dataclass(frozen=True)
class ComponentView:
    kind: str
    name: str
    """The Python name: its module in `impl/`, its parameter of `create_app`."""
    restate_name: str
    title: str
    spec: str
    base: str
    implementation: str
    client: str
    sync_client: str
    context_client: str
    context: str
    shared_context: str
    state_class: str
    shared_state_class: str
    promises_class: str
    handlers: tuple[HandlerView, ...]
    state: tuple[StateView, ...]
    promises: tuple[StateView, ...]
    options: str | None
    """The `Options(...)` expression, None when the schema sets none."""
    middleware: tuple[str, ...]
    description: str | None
    signature_imports: Imports
    """The types its handlers take and return."""
    state_imports: Imports
    """The types of its state and promises."""

    @property
    def keyed(self) -> bool:
        return self.kind != "service"

    @property
    def contexts(self) -> tuple[str, ...]:
        """The context classes its handlers take."""
        used = {h.context for h in self.handlers}
        return tuple(name for name in (self.context, self.shared_context) if name in used)

    @property
    def handlers_tuple(self) -> str:
        return expressions.tuple_of(h.spec for h in self.handlers)

    @property
    def middleware_tuple(self) -> str:
        return expressions.tuple_of(repr(name) for name in self.middleware)

    @property
    def run(self) -> HandlerView | None:
        return next((h for h in self.handlers if h.is_run), None)

    @property
    def callable_handlers(self) -> tuple[HandlerView, ...]:
        """Handlers a client calls by name (a workflow's run is submitted instead)."""
        return tuple(h for h in self.handlers if not h.is_run)


@dataclass
class PackageView:
    package: ir.Package
    components: list[ComponentView] = field(default_factory=list)
    codecs: dict[str, CodecView] = field(default_factory=dict)
    model_imports: Imports = field(default_factory=Imports)
    """Every type the package's handlers, state and promises carry (the codecs module's imports)."""
    definitions_imports: Imports = field(default_factory=Imports)
    """What the definitions name besides models: declared errors, options (events: `event_imports`)."""
    event_modules: set[str] = field(default_factory=set)
    """Packages whose events module the definitions import."""

    def event_imports(self) -> list[str]:
        lines = []
        for package in sorted(self.event_modules):
            if package == self.package.name:
                lines.append("from . import events")
            else:
                parent, _, module = f"{package}.events".rpartition(".")
                lines.append(f"from {parent} import {module} as {events_module_alias(package)}")
        return lines

    def _signature_imports(self) -> Imports:
        imports = Imports()
        for c in self.components:
            imports.update(c.signature_imports)
        return imports

    @property
    def definitions_module_imports(self) -> list[str]:
        imports = self._signature_imports().update(self.definitions_imports)
        imports.add("typing", "Final")
        imports.add("restagen.runtime", "ComponentSpec")
        imports.add("restagen.runtime", "HandlerSpec")
        imports.add(".", "contexts")
        if self.codecs:
            imports.add(".", "codecs")
        return imports.lines()

    @property
    def clients_imports(self) -> Imports:
        """Only the bases and the caller are needed to run: the rest names types, and stays
        unimported at run time (an endpoint that never calls the ingress loads no HTTP client)."""
        imports = self._signature_imports()
        imports.add(".", "definitions")
        imports.add("typing", "Any")
        for name in ("ContextCaller", "ContextClient", "IngressClient"):
            imports.add("restagen.runtime", name)
        for name in ("HandlerContext", "Ingress", "SyncIngress"):
            imports.add_for_typing("restagen.runtime", name)
        if any(c.handlers for c in self.components):
            imports.add("collections.abc", "Mapping")
            imports.add("datetime", "timedelta")
            imports.add_for_typing("restagen.runtime", "ContextInvocationHandle")
        if any(c.callable_handlers for c in self.components):
            imports.add_for_typing("restagen.runtime", "InvocationHandle")
            imports.add_for_typing("restagen.runtime", "SyncInvocationHandle")
        if any(c.callable_handlers or c.run for c in self.components):
            imports.add_for_typing("restagen.runtime", "CallFuture")
        if any(c.run for c in self.components):
            imports.add_for_typing("restagen.runtime", "WorkflowHandle")
            imports.add_for_typing("restagen.runtime", "SyncWorkflowHandle")
        return imports

    @property
    def codecs_imports(self) -> list[str]:
        imports = self.model_imports.copy()
        for codec in self.codecs.values():
            imports.add("restagen.runtime", codec.codec_class)
        if self.codecs:
            imports.add("typing", "Final")
        return imports.lines()

    @property
    def contexts_imports(self) -> list[str]:
        imports = Imports()
        bases = {
            "service": ("ServiceHandlerContext",),
            "object": ("ObjectHandlerContext", "ObjectSharedHandlerContext"),
            "workflow": ("WorkflowHandlerContext", "WorkflowSharedHandlerContext"),
        }
        for c in self.components:
            for name in bases[c.kind]:
                imports.add("restagen.runtime", name)
            if c.state:
                imports.add("restagen.runtime", "StateKey")
                imports.add("restagen.runtime", "ReadOnlyStateKey")
            if c.promises:
                imports.add("restagen.runtime", "WorkflowPromise")
            imports.update(c.state_imports)
            if c.state or c.promises:
                imports.add_module("restate")
                imports.add("functools", "cached_property")
                imports.add(".", "codecs")
        return imports.lines()

    @property
    def handlers_imports(self) -> list[str]:
        imports = self._signature_imports()
        imports.add_module("abc")
        for c in self.components:
            for name in c.contexts:
                imports.add(".contexts", name)
        return imports.lines()

    def implementation_imports(self, component: ComponentView) -> list[str]:
        """The imports of a component's scaffold in `impl/`."""
        imports = component.signature_imports.copy()
        imports.add("restagen.runtime", "HandlerNotImplemented")
        imports.add(".handlers", component.base)
        for name in component.contexts:
            imports.add(".contexts", name)
        return imports.from_subpackage().lines()

    @property
    def middleware(self) -> list[tuple[str, str]]:
        """The middleware the package's schemas name, sorted: (name, scaffold class name)."""
        names = {name for c in self.components for name in c.middleware}
        names.update(name for c in self.components for h in c.handlers for name in h.middleware)
        classes: list[tuple[str, str]] = []
        taken: set[str] = set()
        for name in sorted(names):
            base = f"{pascal(name.replace('.', '_'))}Middleware"
            cls, number = base, 1
            while cls in taken:  # `auth.user` and `auth_user` both make AuthUserMiddleware
                number += 1
                cls = f"{base}{number}"
            taken.add(cls)
            classes.append((name, cls))
        return classes


def _snake_upper(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def codec_name(ref: ir.TypeRef, package: str) -> str:
    """A constant name for the codec of `ref`: `ORDER_DETAILS`, `LIST_OF_STRING`, `OPTIONAL_CONSUMER`."""
    if isinstance(ref, ir.Primitive):
        return ref.name.upper()
    if isinstance(ref, ir.Named):
        own = _snake_upper(ref.name)
        return own if ref.package == package else f"{ref.package.replace('.', '_').upper()}__{own}"
    if isinstance(ref, ir.ListOf):
        return f"LIST_OF_{codec_name(ref.item, package)}"
    if isinstance(ref, ir.MapOf):
        return f"MAP_OF_{codec_name(ref.value, package)}"
    if isinstance(ref, ir.Nullable):
        return f"OPTIONAL_{codec_name(ref.inner, package)}"
    return "_OR_".join(codec_name(m, package) for m in ref.members)


def spec_constant(component: ir.Component, handler: ir.Handler) -> str:
    """The name of a handler's `HandlerSpec` constant in its package's `definitions`."""
    return f"{component.py_name.upper()}__{handler.py_name.upper()}"


def _has_datetime(ref: ir.TypeRef) -> bool:
    if isinstance(ref, ir.Primitive):
        return ref.name == "datetime"
    if isinstance(ref, ir.ListOf):
        return _has_datetime(ref.item)
    if isinstance(ref, ir.MapOf):
        return _has_datetime(ref.value)
    if isinstance(ref, ir.Nullable):
        return _has_datetime(ref.inner)
    if isinstance(ref, ir.UnionOf):
        return any(_has_datetime(m) for m in ref.members)
    return False


def _event_input(handler: ir.Handler) -> ir.TypeRef | None:
    """An event handler takes the event it subscribes to (or the union of them)."""
    if not handler.subscribe:
        return handler.input
    if len(handler.subscribe) == 1:
        return handler.subscribe[0]
    return ir.UnionOf(tuple(handler.subscribe))


def _class_names(program: ir.Program, package: ir.Package) -> frozenset[str]:
    """Every class a codecs module may import: the types of its package and of every package it
    imports, directly or not, and the primitives' classes.

    Known before any codec is named, so that a codec never takes the name of a class its module
    imports, whichever order the codecs and their imports are met in. Packages it does not import
    are left out: its files depend on nothing else (see `cache`).
    """
    names = {decl.name for imported in program.closure(package) for decl in imported.types}
    return frozenset(names | PRIMITIVE_CLASSES)


class _Builder:
    def __init__(self, program: ir.Program, package: ir.Package) -> None:
        self.program = program
        self.view = PackageView(package)
        self.class_names = _class_names(program, package)

    def codec(self, ref: ir.TypeRef, serde: str) -> str:
        base = codec_name(ref, self.view.package.name) + ("_BSON" if serde == "bson" else "")
        text = self.annotate(ref)
        codec_class = "BsonCodec" if serde == "bson" else "JsonCodec"
        # `uuid` would be `UUID`, a type `A` would be `A`: the constant would rebind the class its
        # module imports for annotations. A suffix with an underscore cannot be a class name.
        if base in self.class_names:
            base = f"{base}_CODEC"
        name, number = base, 1
        # A type named `String` and the primitive `string` would both be `STRING`: number the later.
        while name in self.view.codecs and self.view.codecs[name].annotation != text:
            number += 1
            name = f"{base}_{number}"
        # A union is a value the checker cannot read as a type; `UtcDatetime` is an alias of
        # `Annotated[datetime, ...]`, which it cannot read as a value.
        inferred = not isinstance(ref, ir.Nullable | ir.UnionOf) and not _has_datetime(ref)
        view = CodecView(name, text, codec_class, inferred, self.view.package.unknown_fields)
        self.view.codecs.setdefault(name, view)
        return name

    def annotate(self, ref: ir.TypeRef, *also: Imports) -> str:
        """The annotation of `ref`, its imports added to the package's and to those of `also`."""
        for imports in also:
            annotation(ref, imports, package=self.view.package.name)
        return annotation(ref, self.view.model_imports, package=self.view.package.name).text

    def component(self, component: ir.Component) -> ComponentView:
        title = pascal(component.py_name)
        suffix = _KIND_SUFFIX[component.kind]
        handlers = []
        signature, state_imports = Imports(), Imports()
        for handler in component.handlers:
            serde = handler.options.serde or component.options.serde or self.view.package.serde or "json"
            input_ref = _event_input(handler)
            shared = handler.kind == "shared"
            context = f"{title}SharedContext" if shared else f"{title}Context"
            errors = []
            for error in handler.errors:
                module = ".errors" if error.package == self.view.package.name else f"{error.package}.errors"
                self.view.definitions_imports.add(module, error.name)
                errors.append(error.name)
            handlers.append(
                HandlerView(
                    name=handler.py_name,
                    restate_name=handler.name,
                    kind=handler.kind,
                    spec=spec_constant(component, handler),
                    input=self.annotate(input_ref, signature) if input_ref is not None else None,
                    output=self.annotate(handler.output, signature) if handler.output is not None else "None",
                    input_codec=self.codec(input_ref, serde) if input_ref is not None else None,
                    output_codec=self.codec(handler.output, serde) if handler.output is not None else None,
                    errors=tuple(errors),
                    context=context,
                    options=expressions.options(handler.options, self.view.definitions_imports),
                    middleware=handler.middleware,
                    events=tuple(self._event(ref) for ref in handler.subscribe),
                    description=handler.description,
                    event_type_header=handler.kafka.type_header if handler.kafka else None,
                    event_discriminator=handler.kafka.discriminator if handler.kafka else None,
                )
            )
        serde = component.options.serde or self.view.package.serde or "json"
        state = tuple(self._state_key(f, serde, state_imports) for f in component.state)
        promises = tuple(self._keyed(f, serde, state_imports) for f in component.promises)
        return ComponentView(
            kind=component.kind,
            name=component.py_name,
            restate_name=component.name,
            title=title,
            spec=component.py_name.upper(),
            base=f"{title}{suffix}Base",
            implementation=f"{title}{suffix}",
            client=f"{title}Client",
            sync_client=f"{title}SyncClient",
            context_client=f"{title}ContextClient",
            context=f"{title}Context",
            shared_context=f"{title}SharedContext",
            state_class=f"{title}State",
            shared_state_class=f"{title}SharedState",
            promises_class=f"{title}Promises",
            handlers=tuple(handlers),
            state=state,
            promises=promises,
            options=expressions.options(
                component.options,
                self.view.definitions_imports,
                with_workflow_retention=component.kind == "workflow",
            ),
            middleware=component.middleware,
            description=component.description,
            signature_imports=signature,
            state_imports=state_imports,
        )

    def _event(self, ref: ir.Named) -> str:
        self.view.event_modules.add(ref.package)
        module = "events" if ref.package == self.view.package.name else events_module_alias(ref.package)
        return f"{module}.{event_constant(ref.name)}"

    def _keyed(self, fld: ir.Field, serde: str, imports: Imports) -> StateView:
        return StateView(fld.name, self.annotate(fld.type, imports), self.codec(fld.type, serde))

    def _state_key(self, fld: ir.Field, serde: str, imports: Imports) -> StateView:
        view = self._keyed(fld, serde, imports)
        if not fld.has_default:
            return view
        default = expressions.default_value(fld.default, fld.type, lambda ref: self.annotate(ref, imports))
        return StateView(view.name, view.annotation, view.codec, default)


def package_view(program: ir.Program, package: ir.Package) -> PackageView:
    builder = _Builder(program, package)
    for component in package.components:
        builder.view.components.append(builder.component(component))
    builder.view.codecs = dict(sorted(builder.view.codecs.items()))
    return builder.view
