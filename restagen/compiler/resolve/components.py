"""Components of the resolve stage: services, objects and workflows, their handlers and state."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from restagen.compiler import ir
from restagen.compiler.frontends.load import DocPath
from restagen.compiler.frontends.sources import Unit
from restagen.compiler.resolve import kafka
from restagen.compiler.resolve.binder import WORKFLOW_CLIENT_METHODS, Binder, Scope
from restagen.compiler.resolve.names import check_handler_name, check_snake, pascal, python_name
from restagen.compiler.structure import language


class Components:
    """Resolves the services, objects and workflows of a package, binding names with `binder`."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder
        self._discriminators: list[tuple[Unit, DocPath, str, tuple[ir.Named, ...]]] = []
        """Kafka discriminators to check once every event's fields are resolved."""

    def component(
        self,
        scope: Scope,
        kind: ir.ComponentKind,
        name: str,
        cdef: language.ServiceDef | language.ObjectDef | language.WorkflowDef,
        types: list[ir.TypeDecl],
        claim: Any,
    ) -> ir.Component:
        section = f"{kind}s"
        path: DocPath = (section, name)
        py_name = python_name(name, cdef.python_name)
        # A second component of the same name, or of the same Python name, is reported already.
        reported = scope.components.get(name) is not cdef or name not in scope.python_named
        generated = [] if reported else _generated_classes(kind, py_name, cdef)
        for class_name in generated:
            claim(
                class_name,
                path,
                "the generated class",
                "the generated modules import the models under their names; rename the type or the component",
            )
        handlers: list[ir.Handler] = []
        entries: list[tuple[str, language.HandlerDef, DocPath]] = []
        if isinstance(cdef, language.WorkflowDef):
            entries.append(("run", cdef.run, (*path, "run")))
            if "run" in cdef.handlers:
                self.binder.error(
                    scope.unit,
                    (*path, "handlers", "run"),
                    "a workflow's 'run' handler is declared under 'run:'",
                    code="duplicate",
                    key=True,
                )
        entries.extend(
            (h, hdef, (*path, "handlers", h))
            for h, hdef in cdef.handlers.items()
            if not (kind == "workflow" and h == "run")
        )
        py_names = self._python_names(scope, kind, entries)
        for hname, hdef, hpath in entries:
            if hname not in py_names:
                continue
            handler = self._handler(scope, kind, py_name, hname, py_names[hname], hdef, hpath, types, claim)
            if handler is not None:
                handlers.append(handler)
        state: tuple[ir.Field, ...] = ()
        promises: tuple[ir.Field, ...] = ()
        if isinstance(cdef, language.ObjectDef | language.WorkflowDef):
            state = self._keyed_fields(scope, cdef.state, (*path, "state"))
        if isinstance(cdef, language.WorkflowDef):
            promises = self._keyed_fields(scope, cdef.promises, (*path, "promises"))
        return ir.Component(
            kind=kind,
            name=name,
            handlers=tuple(handlers),
            state=state,
            promises=promises,
            options=self.binder.options(scope, cdef.options, path, kind),
            middleware=self.binder.middleware(scope, cdef.middleware, path),
            description=cdef.description,
            py_name=py_name,
        )

    def _python_names(
        self, scope: Scope, kind: ir.ComponentKind, entries: list[tuple[str, language.HandlerDef, DocPath]]
    ) -> dict[str, str]:
        """The Python method name of each handler whose Restate and Python names are valid, by
        Restate name: its `python_name`, or its Restate name in snake_case.

        Generated clients have a method per handler, `send_<handler>`, and for workflows `submit`,
        `attach` and `output`: no two handlers may take the same method, nor those names."""
        result: dict[str, str] = {}
        taken: dict[str, str] = {}
        for hname, hdef, hpath in entries:
            explicit = hdef.python_name
            method = python_name(hname, explicit)
            if problem := check_handler_name(hname):
                self.binder.error(scope.unit, hpath, problem, code="name", key=True)
                continue
            found = _method_problem(kind, hname, explicit, method, taken)
            if found is not None:
                at = (*hpath, "python_name") if explicit else hpath
                message, hint, code = found
                self.binder.error(scope.unit, at, message, hint, code=code, key=not explicit)
                continue
            taken[method] = hname
            result[hname] = method
        for hname, method in result.items():
            sent = method.removeprefix("send_")
            if method.startswith("send_") and sent in taken:
                self.binder.error(
                    scope.unit,
                    next(hpath for n, _, hpath in entries if n == hname),
                    f"'{method}' clashes with the client method that sends '{sent}'",
                    "rename one of the handlers or set its 'python_name'",
                    code="clash",
                    key=True,
                )
        return result

    def _keyed_fields(
        self, scope: Scope, entries: Mapping[str, str | language.FieldSpec], path: DocPath
    ) -> tuple[ir.Field, ...]:
        result = []
        for key, prop in entries.items():
            problem = check_snake(key)
            if problem:
                self.binder.error(scope.unit, (*path, key), problem, code="name", key=True)
                continue
            built = self.binder.field(scope, key, prop, (*path, key))
            if built is not None:
                result.append(built)
        return tuple(result)

    def _handler_kind(
        self, scope: Scope, ckind: ir.ComponentKind, name: str, kind: ir.HandlerKind, path: DocPath
    ) -> ir.HandlerKind:
        """The kind a handler runs as: none in a service, exclusive by default in an object; a
        workflow's `run` runs as the workflow and its other handlers are shared."""
        if ckind == "service" and kind is not None:
            self.binder.error(
                scope.unit,
                (*path, "kind"),
                "services have no handler kinds",
                "'kind' applies to objects and workflows",
            )
            kind = None
        elif ckind == "object":
            kind = kind or "exclusive"
        elif ckind == "workflow":
            if name == "run":
                if kind is not None:
                    self.binder.error(
                        scope.unit,
                        (*path, "kind"),
                        "a workflow's 'run' handler has no 'kind'",
                        "it runs once per workflow key; its other handlers are shared",
                    )
                kind = "workflow"
            elif kind == "exclusive":
                self.binder.error(
                    scope.unit, (*path, "kind"), "a workflow's handlers other than 'run' are shared"
                )
            else:
                kind = "shared"
        return kind

    def _handler(
        self,
        scope: Scope,
        ckind: ir.ComponentKind,
        cname: str,
        name: str,
        py_name: str,
        hdef: language.HandlerDef,
        path: DocPath,
        types: list[ir.TypeDecl],
        claim: Any,
    ) -> ir.Handler | None:
        kind = self._handler_kind(scope, ckind, name, hdef.kind, path)
        base = pascal(cname) + pascal(py_name)
        input_ref = self._type_use(scope, hdef.input, (*path, "input"), f"{base}Request", types, claim)
        output_ref = self._type_use(scope, hdef.output, (*path, "output"), f"{base}Response", types, claim)
        errors = [
            self.binder.ref(scope, e, (*path, "errors", i), "errors", "error")
            for i, e in enumerate(hdef.errors)
        ]
        subscribe = [
            self.binder.ref(scope, e, (*path, "subscribe", i), "events", "event")
            for i, e in enumerate(hdef.subscribe)
        ]
        if hdef.subscribe and hdef.input is not None:
            self.binder.error(
                scope.unit,
                (*path, "input"),
                "an event handler takes the event as its input",
                "remove 'input' or 'subscribe'",
            )
        if kind == "shared" and ckind == "workflow" and hdef.options and hdef.options.workflow_retention:
            self.binder.error(
                scope.unit,
                (*path, "options", "workflow_retention"),
                "'workflow_retention' applies to the workflow's run, not to its shared handlers",
                "set it in the options of 'run' or of the workflow",
            )
        if kind == "workflow" and hdef.options and hdef.options.idempotency_retention is not None:
            self.binder.error(
                scope.unit,
                (*path, "options", "idempotency_retention"),
                "'idempotency_retention' does not apply to a workflow's run",
                "a run is kept, with its result, for 'workflow_retention'",
            )
        return ir.Handler(
            name=name,
            kind=kind,
            input=input_ref,
            output=output_ref,
            errors=tuple(e for e in errors if e is not None),
            subscribe=tuple(e for e in subscribe if e is not None),
            options=self.binder.options(scope, hdef.options, path, ckind),
            middleware=self.binder.middleware(scope, hdef.middleware, path),
            description=hdef.description,
            kafka=self._kafka(scope, hdef, path, tuple(e for e in subscribe if e is not None)),
            py_name=py_name,
        )

    def _kafka(
        self, scope: Scope, hdef: language.HandlerDef, path: DocPath, events: tuple[ir.Named, ...]
    ) -> ir.KafkaBinding | None:
        binding = hdef.kafka
        if binding is None:
            return None
        where: DocPath = (*path, "kafka")
        if not hdef.subscribe:
            self.binder.error(
                scope.unit,
                where,
                "'kafka' binds an event handler to a topic, and this handler subscribes to no event",
                "add 'subscribe: [Event]' with the event the topic's records carry",
                key=True,
            )
        problems = [
            ((*where, "topic"), kafka.check_topic(binding.topic)),
            ((*where, "cluster"), kafka.check_cluster(binding.cluster)),
        ]
        problems += [((*where, "options", key), kafka.check_option(key)) for key in binding.options]
        for at, problem in problems:
            if problem is not None:
                message, hint = problem
                self.binder.error(scope.unit, at, message, hint, code="name", key=at[-2] == "options")
        self._type_source(scope, hdef, binding, where, events)
        options = tuple(sorted((key, _option_text(value)) for key, value in binding.options.items()))
        return ir.KafkaBinding(
            binding.topic, binding.cluster, options, binding.type_header, binding.discriminator
        )

    def _type_source(
        self,
        scope: Scope,
        hdef: language.HandlerDef,
        binding: language.KafkaBindingDef,
        where: DocPath,
        events: tuple[ir.Named, ...],
    ) -> None:
        """A record carries no restagen event headers: a handler of several events must say how a
        record names its event, never be left to guess it from the fields."""
        if binding.type_header is not None and binding.discriminator is not None:
            self.binder.error(
                scope.unit,
                (*where, "discriminator"),
                "give 'type_header' or 'discriminator', not both",
                "a record names its event in one place",
            )
        elif binding.type_header is not None and not _HEADER.fullmatch(binding.type_header):
            self.binder.error(
                scope.unit,
                (*where, "type_header"),
                f"'{binding.type_header}' is not a header name",
                "letters, digits and -_.!#$%&'*+^`|~, such as 'event-type'",
                code="name",
            )
        elif binding.type_header is None and binding.discriminator is None and len(hdef.subscribe) > 1:
            self.binder.error(
                scope.unit,
                where,
                f"the records of topic '{binding.topic}' go to a handler of {len(hdef.subscribe)} events, "
                "and nothing says which event a record is",
                "add 'type_header: <header>' (a record header with the event's name) or "
                "'discriminator: <field>' (a string field of every event, with its name)",
                key=True,
            )
        if binding.discriminator is not None:
            self._discriminators.append(
                (scope.unit, (*where, "discriminator"), binding.discriminator, events)
            )

    def check_discriminators(self, program: ir.Program) -> None:
        """Each Kafka discriminator is a string field, required, of every event of its handler."""
        for unit, path, field, refs in self._discriminators:
            for ref in refs:
                decl = program.type(ref)
                fields = {f.name: f for f in decl.fields} if isinstance(decl, ir.ObjectType) else {}
                found = fields.get(field)
                if found is None or found.type != ir.Primitive("string") or found.optional:
                    self.binder.error(
                        unit,
                        path,
                        f"the discriminator '{field}' is not a required string field of {ref.name}",
                        f"declare '{field}: string' in {ref.name}, holding the event's name",
                    )

    def _type_use(
        self,
        scope: Scope,
        use: str | language.FieldSpec | language.InlineType | None,
        path: DocPath,
        inline_name: str,
        types: list[ir.TypeDecl],
        claim: Any,
    ) -> ir.TypeRef | None:
        if use is None:
            return None
        if isinstance(use, language.InlineType):
            claim(inline_name, path, "inline type")
            fields = self.binder.fields(scope, use.properties, (*path, "properties"))
            types.append(ir.ObjectType(inline_name, fields, use.description, origin="inline"))
            return ir.Named(scope.package, inline_name)
        if isinstance(use, language.FieldSpec):
            ref = self.binder.bind(scope, use.type, (*path, "type"))
            return (
                ir.Nullable(ref)
                if ref is not None and use.optional and not isinstance(ref, ir.Nullable)
                else ref
            )
        return self.binder.bind(scope, use, path)


def _method_problem(
    kind: ir.ComponentKind, hname: str, explicit: str | None, method: str, taken: dict[str, str]
) -> tuple[str, str | None, str] | None:
    """What is wrong with `method` as the Python method of handler `hname`: (message, hint, code)."""
    advice = "set 'python_name' to a snake_case name"
    if kind == "workflow" and hname == "run" and explicit not in (None, "run"):
        return "a workflow's run is always the method 'run'", None, "name"
    if unusable := check_snake(method):
        if explicit:
            return unusable, None, "name"
        if hname == method:
            return unusable, advice, "name"
        return f"'{hname}' gives no usable Python name ('{method}')", advice, "name"
    if method in taken:
        message = f"the Python method '{method}' is also that of handler '{taken[method]}'"
        return message, "set 'python_name' on one of them", "clash"
    if kind == "workflow" and method in WORKFLOW_CLIENT_METHODS:
        message = f"'{method}' clashes with the workflow client's method of that name"
        return message, "rename the handler or set its 'python_name'", "clash"
    return None


_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
"""An HTTP header name (a token): what a Kafka record header must be to reach a handler."""


def _option_text(value: str | int | bool) -> str:
    """Subscription options are text for Restate; YAML's `true` and `1` mean librdkafka's `true` and `1`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _generated_classes(
    kind: ir.ComponentKind,
    py_name: str,
    cdef: language.ServiceDef | language.ObjectDef | language.WorkflowDef,
) -> list[str]:
    """The classes the generated modules define for a component, which no model may be named."""
    title, suffix = pascal(py_name), kind.capitalize()
    generated = [f"{title}{suffix}Base", f"{title}{suffix}", f"{title}Client", f"{title}SyncClient"]
    generated += [f"{title}ContextClient", f"{title}Context"]
    if kind != "service":
        generated.append(f"{title}SharedContext")
    if getattr(cdef, "state", None):
        generated += [f"{title}State", f"{title}SharedState"]
    if getattr(cdef, "promises", None):
        generated.append(f"{title}Promises")
    return generated
