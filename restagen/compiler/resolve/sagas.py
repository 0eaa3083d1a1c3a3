"""Sagas in the resolve stage: steps, participants, keys, reply and error handling."""

from __future__ import annotations

from dataclasses import dataclass

from restagen.compiler import ir
from restagen.compiler.frontends.load import DocPath
from restagen.compiler.frontends.sources import Unit
from restagen.compiler.resolve.binder import BROKEN, SAGA_ERROR_ACTIONS, Binder, Scope
from restagen.compiler.resolve.names import check_snake, pascal
from restagen.compiler.structure import language
from restagen.diagnostics import did_you_mean

_HOOKS = frozenset(
    {"on_started", "on_succeeded", "on_rolled_back", "on_cancelled", "on_failed", "saga_spec"}
    | {"run", "state", "result", "cancel", "resume", "settle"}
)
"""What every saga base class has: a reply handler or a local step may not take these names."""
_KEY_TYPES = frozenset({"string", "uuid", "int"})


@dataclass(frozen=True)
class _Check:
    """A step reference checked once every package is resolved: it needs the participants' IR."""

    unit: Unit
    path: DocPath
    what: str  # "reply" | "error" | "event-handler" | "key" | "saga-reply"
    target: tuple[str, str, str] | None
    ref: ir.TypeRef | None = None
    text: str = ""
    saga: tuple[str, str] | None = None


def _saga(program: ir.Program, target: tuple[str, str]) -> ir.Saga | None:
    return next((s for s in program.package(target[0]).sagas if s.name == target[1]), None)


def nesting_order(program: ir.Program, package: ir.Package) -> list[ir.Saga] | None:
    """The package's sagas, each after the sagas of the package it runs as a step; None when they
    run each other in a cycle."""
    order, cycle = _nesting(program, package)
    return None if cycle else order


def _nesting(program: ir.Program, package: ir.Package) -> tuple[list[ir.Saga], list[str]]:
    """The sagas in nesting order, and the first cycle found (saga names, in order), if any."""
    order: list[ir.Saga] = []
    path: list[str] = []

    def visit(saga: ir.Saga) -> list[str]:
        if saga in order:
            return []
        if saga.name in path:
            return path[path.index(saga.name) :]
        path.append(saga.name)
        for step in saga.steps:
            if step.saga is None or step.saga[0] != package.name:
                continue  # another package's sagas are imported, and cannot lead back here
            child = _saga(program, step.saga)
            if child is not None and (cycle := visit(child)):
                return cycle
        path.pop()
        order.append(saga)
        return []

    for saga in package.sagas:
        if cycle := visit(saga):
            return order, cycle
    return order, []


def _handler(program: ir.Program, target: tuple[str, str, str]) -> ir.Handler | None:
    for component in program.package(target[0]).components:
        if component.name == target[1]:
            return next((h for h in component.handlers if h.name == target[2]), None)
    return None


def _returns(program: ir.Program, ref: ir.TypeRef | None) -> list[ir.TypeRef]:
    """Every type a reply handler of a handler returning `ref` may take: `ref` itself, the inner
    type of a nullable, and each member of a union (of a declared union too), recursively."""
    if ref is None:
        return []
    if isinstance(ref, ir.Nullable):
        return [ref, *_returns(program, ref.inner)]
    if isinstance(ref, ir.UnionOf):
        return [ref, *(found for member in ref.members for found in _returns(program, member))]
    if not isinstance(ref, ir.Named):
        return [ref]
    try:
        declared = program.type(ref)
    except KeyError:  # left out of the IR for an error reported already
        return [ref]
    if isinstance(declared, ir.UnionType):
        return [ref, *(found for member in declared.members for found in _returns(program, member))]
    return [ref]


def display(ref: ir.TypeRef) -> str:
    """`ref` as the schema writes it, a named type by its name alone (messages, docstrings, pictures)."""
    if isinstance(ref, ir.Named | ir.Primitive):
        return ref.name
    if isinstance(ref, ir.ListOf):
        return f"list[{display(ref.item)}]"
    if isinstance(ref, ir.MapOf):
        return f"map[{display(ref.value)}]"
    if isinstance(ref, ir.Nullable):
        return f"{display(ref.inner)}?"
    return " | ".join(display(member) for member in ref.members)


def _predicate(when: str | None) -> str | None:
    """The predicate method a `when` names (`needs_car()`), None when it names a field or nothing."""
    return when[:-2].strip() if when is not None and when.endswith("()") else None


def _names(ref: ir.TypeRef) -> set[str]:
    """The names of the declared types `ref` mentions (what an annotation of it imports)."""
    if isinstance(ref, ir.Named):
        return {ref.name}
    if isinstance(ref, ir.ListOf):
        return _names(ref.item)
    if isinstance(ref, ir.MapOf):
        return _names(ref.value)
    if isinstance(ref, ir.Nullable):
        return _names(ref.inner)
    if isinstance(ref, ir.UnionOf):
        return {name for member in ref.members for name in _names(member)}
    return set()


class Sagas:
    """Resolves the sagas of a package, binding names with `binder`; `check_sagas` checks what
    needs every participant resolved first."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder
        self._saga_checks: list[_Check] = []
        self._saga_units: dict[str, Unit] = {}  # package -> the unit declaring its sagas

    def _check(self, check: _Check) -> None:
        self._saga_checks.append(check)

    def check_sagas(self, program: ir.Program) -> None:
        """The checks that need every participant resolved: replies, errors, event handlers,
        nested sagas, and names the saga module would both define and import."""
        for package in program.packages:
            if package.sagas and package.name in self._saga_units:
                self._check_saga_names(program, package, self._saga_units[package.name])
                self._check_nesting(program, package, self._saga_units[package.name])
        for check in self._saga_checks:
            if check.what == "saga-reply":
                self._check_saga_reply(program, check)
                continue
            handler = _handler(program, check.target) if check.target else None
            if handler is None:
                continue
            label = f"{check.target[1]}.{check.target[2]}" if check.target else ""
            if check.what == "event-handler" and handler.subscribe:
                self.binder.error(
                    check.unit,
                    check.path,
                    f"'{label}' is an event handler: its input is an event, not a request the saga can build",
                    "invoke or compensate with a handler that takes a request",
                    code="saga-participant",
                )
            elif check.what == "reply" and check.ref is not None:
                returned = _returns(program, handler.output)
                if check.ref not in returned:
                    names = list(dict.fromkeys(display(ref) for ref in returned))
                    self.binder.error(
                        check.unit,
                        check.path,
                        f"'{label}' never returns '{check.text}'",
                        f"it returns {', '.join(names)}"
                        if names
                        else "it returns nothing: remove 'on_reply'",
                        code="saga-reply",
                    )
            elif check.what == "error" and check.ref is not None and check.ref not in handler.errors:
                declared = sorted(e.name for e in handler.errors)
                self.binder.error(
                    check.unit,
                    check.path,
                    f"'{label}' does not declare error '{check.text}'",
                    f"it declares {', '.join(declared)}" if declared else "it declares no errors",
                    code="saga-error",
                )

    def _participant(self, scope: Scope, text: str, path: DocPath) -> tuple[str, str, str] | None:
        parts = text.split(".")
        if len(parts) < 2:
            self.binder.error(
                scope.unit,
                path,
                f"'{text}' is not a handler reference",
                "write component.handler or alias.component.handler",
            )
            return None
        # A Restate component name may hold dots: `a.b.h` is component `a.b` when this package
        # declares it, else component `b` of the package imported as `a`.
        target = scope
        component, handler = ".".join(parts[:-1]), parts[-1]
        if len(parts) > 2 and component not in scope.kinds:
            found = self.binder.alias(scope, parts[0], path)
            if found is None:
                return None
            target, component = found, ".".join(parts[1:-1])
        if component in target.broken_components:
            return None
        cdef = target.components.get(component)
        if target.kinds.get(component) == "workflow":
            self.binder.error(
                scope.unit,
                path,
                f"'{component}' is a workflow; saga steps invoke handlers of services and objects",
                code="unknown-handler",
            )
            return None
        if cdef is None:
            names = [n for n, k in target.kinds.items() if k != "workflow"]
            self.binder.error(
                scope.unit,
                path,
                f"unknown service or object '{component}'",
                did_you_mean(component, names),
                code="unknown-handler",
            )
            return None
        if handler not in cdef.handlers:
            self.binder.error(
                scope.unit,
                path,
                f"'{component}' has no handler '{handler}'",
                did_you_mean(handler, cdef.handlers),
                code="unknown-handler",
            )
            return None
        return (target.package, component, handler)

    def _check_saga_reply(self, program: ir.Program, check: _Check) -> None:
        """A nested saga's reply is its data once it succeeded."""
        child = _saga(program, check.saga) if check.saga is not None else None
        if child is not None and check.ref is not None and check.ref != child.data:
            self.binder.error(
                check.unit,
                check.path,
                f"saga '{child.name}' ends with data of type '{child.data.name}', not '{check.text}'",
                f"handle its data: on_reply: {{{child.data.name}: ...}}",
                code="saga-reply",
            )

    def _check_nesting(self, program: ir.Program, package: ir.Package, unit: Unit) -> None:
        """A saga may run another as a step, but not itself, through any chain of steps."""
        _, cycle = _nesting(program, package)
        if cycle:
            self.binder.error(
                unit,
                ("sagas", cycle[0]),
                f"saga '{cycle[0]}' runs itself as a step: {' -> '.join([*cycle, cycle[0]])}",
                "a saga may run another as a step, but never itself",
                code="saga-cycle",
                key=True,
            )

    def _check_saga_names(self, program: ir.Program, package: ir.Package, unit: Unit) -> None:
        """The classes generated per saga must not shadow a type the saga module imports."""
        imported: set[str] = set()
        for saga in package.sagas:
            imported |= _names(saga.data)
            for step in saga.steps:
                for reply, _ in step.on_reply:
                    imported |= _names(reply)
                imported |= {error.name for error, _ in step.on_error}
                child = _saga(program, step.saga) if step.saga is not None else None
                if child is not None:
                    imported |= _names(child.data)
                for target in (step.invoke, step.compensate):
                    handler = _handler(program, target) if target else None
                    if handler is not None and handler.input is not None:
                        imported |= _names(handler.input)
        for saga in package.sagas:
            title = pascal(saga.name)
            for suffix in ("SagaBase", "SagaState", "SagaClient", "SagaSyncClient", "SagaContextClient"):
                if title + suffix in imported:
                    self.binder.error(
                        unit,
                        ("sagas", saga.name),
                        f"saga '{saga.name}' generates the class '{title + suffix}', which clashes with"
                        " a type of that name its module uses",
                        "rename the type or the saga",
                        code="clash",
                        key=True,
                    )

    def _key_field(self, scope: Scope, data: ir.Named, key: str, path: DocPath) -> None:
        """An object participant's key comes from a required string, uuid or int field."""
        tdef = self.binder.scopes[data.package].unit.document.types[data.name]
        use = (tdef.properties or {}).get(key)
        text = use if isinstance(use, str) else getattr(use, "type", None)
        optional = bool(getattr(use, "optional", False)) or (isinstance(text, str) and text.endswith("?"))
        if isinstance(text, str) and (optional or text.rstrip("?") not in _KEY_TYPES):
            self.binder.error(
                scope.unit,
                path,
                f"key field '{key}' is '{text}'{' (optional)' if optional and not text.endswith('?') else ''}:"
                " an object key needs a value on every call, compensations included",
                "use a required string, uuid or int field",
                code="missing-key",
            )

    def _method_clash(
        self, method: str, sdef: language.SagaDef, index: int, *, predicate: bool = False
    ) -> str | None:
        """What else of the generated saga base class is called `method`, if anything.

        Reply handlers are checked against those of earlier steps, predicates against every
        reply handler (each clash reported once); a predicate may serve several steps.
        """
        if method in _HOOKS:
            return "a method of every saga"
        for other_index, other in enumerate(sdef.steps):
            generated = {f"{other.name}_request", f"{other.name}_compensation"}
            if other.local:
                generated |= {other.name, f"undo_{other.name}"}
            if method in generated:
                return f"a method generated for step '{other.name}'"
            if (predicate or other_index < index) and method in other.on_reply.values():
                return f"the reply handler of step '{other.name}'"
        return None

    def saga(self, scope: Scope, name: str, sdef: language.SagaDef) -> ir.Saga | None:
        path: DocPath = ("sagas", name)
        self._saga_units[scope.package] = scope.unit
        data = self._saga_data(scope, sdef, path)
        if not sdef.steps:
            self.binder.error(scope.unit, (*path, "steps"), "a saga needs at least one step")
        steps = []
        seen: set[str] = set()
        for index, step in enumerate(sdef.steps):
            spath: DocPath = (*path, "steps", index)
            self._step_name(scope, step, spath, seen)
            steps.append(self._step(scope, sdef, index, data, spath))
        if sdef.options is not None and sdef.options.retry is not None and sdef.options.retry.on_max_attempts:
            self.binder.error(
                scope.unit,
                (*path, "options", "retry", "on_max_attempts"),
                "'on_max_attempts' does not apply to sagas",
                "a saga's retry is that of its compensations; out of attempts, the saga ends FAILED",
            )
        if not isinstance(data, ir.Named):
            return None
        return ir.Saga(
            name,
            data,
            tuple(steps),
            self.binder.options(scope, sdef.options, path, "workflow"),
            sdef.description,
        )

    def _saga_data(self, scope: Scope, sdef: language.SagaDef, path: DocPath) -> ir.Named | None:
        """The saga's data type; None when it is broken (already reported) or not an object type."""
        data = self.binder.bind(scope, sdef.data, (*path, "data"))
        if isinstance(data, ir.Named) and self.binder.scopes[data.package].types.get(data.name) == BROKEN:
            return None
        if data is not None and not (
            isinstance(data, ir.Named) and self.binder.scopes[data.package].types.get(data.name) == "object"
        ):
            self.binder.error(
                scope.unit, (*path, "data"), f"saga data must be an object type, not '{sdef.data}'"
            )
            return None
        return data if isinstance(data, ir.Named) else None

    def _step_name(self, scope: Scope, step: language.SagaStep, spath: DocPath, seen: set[str]) -> None:
        if problem := check_snake(step.name):
            self.binder.error(scope.unit, (*spath, "name"), problem, code="name")
        if step.local and step.name in _HOOKS:
            self.binder.error(
                scope.unit,
                (*spath, "name"),
                f"local step '{step.name}' clashes with a method of every saga",
                "give the step another name",
                code="clash",
            )
        if step.name in seen:
            self.binder.error(scope.unit, (*spath, "name"), f"duplicate step '{step.name}'", code="duplicate")
        seen.add(step.name)

    def _step(
        self, scope: Scope, sdef: language.SagaDef, index: int, data: ir.Named | None, spath: DocPath
    ) -> ir.SagaStep:
        step = sdef.steps[index]
        nested = self._nested(scope, step, spath)
        if step.local and (step.invoke or isinstance(step.compensate, str) or step.on_reply):
            self.binder.error(
                scope.unit,
                spath,
                "a local step has no 'invoke', 'on_reply' or compensation handler",
                "a local step is undone by a method of its own: write 'compensate: true'",
            )
        if not step.local and step.invoke is None and step.saga is None:
            self.binder.error(
                scope.unit, spath, "a step needs 'invoke', 'saga' or 'local: true'", code="missing-key"
            )
        if not step.local and isinstance(step.compensate, bool):
            self.binder.error(
                scope.unit,
                (*spath, "compensate"),
                "'compensate: true' is for local steps",
                "name the handler that undoes the step: component.handler",
            )
        invoke = self._participant(scope, step.invoke, (*spath, "invoke")) if step.invoke else None
        compensate = (
            self._participant(scope, step.compensate, (*spath, "compensate"))
            if isinstance(step.compensate, str)
            else None
        )
        for participant, part in ((invoke, "invoke"), (compensate, "compensate")):
            if participant is not None:
                self._check(_Check(scope.unit, (*spath, part), "event-handler", participant))
        self._step_key(scope, step, data, spath, invoke, compensate)
        when_field, when_method = self._when(scope, sdef, index, data, (*spath, "when"))
        return ir.SagaStep(
            step.name,
            invoke,
            compensate,
            step.key,
            self._on_reply(scope, sdef, index, spath, invoke, nested),
            self._on_error(scope, step, spath, invoke),
            step.local,
            step.description,
            when_field,
            when_method,
            step.local and step.compensate is True,
            nested,
        )

    def _nested(self, scope: Scope, step: language.SagaStep, spath: DocPath) -> tuple[str, str] | None:
        """The saga a step runs: (package, name); it has no participant, compensation, key or errors."""
        if step.saga is None:
            return None
        path: DocPath = (*spath, "saga")
        others = [key for key in ("invoke", "compensate", "key", "local") if getattr(step, key)]
        if others or step.on_error:
            self.binder.error(
                scope.unit,
                spath,
                f"a step running a saga has no {', '.join(repr(k) for k in others or ['on_error'])}",
                "the nested saga compensates itself when this one compensates",
            )
        parts = step.saga.split(".")
        target = scope
        if len(parts) == 2:
            found = self.binder.alias(scope, parts[0], path)
            if found is None:
                return None
            target = found
        elif len(parts) != 1:
            self.binder.error(
                scope.unit, path, f"'{step.saga}' is not a saga reference", "write saga or alias.saga"
            )
            return None
        sagas = target.unit.document.sagas
        if parts[-1] not in sagas:
            self.binder.error(
                scope.unit,
                path,
                f"unknown saga '{step.saga}'",
                did_you_mean(parts[-1], sagas),
                code="unknown-saga",
            )
            return None
        return (target.package, parts[-1])

    def _when(
        self, scope: Scope, sdef: language.SagaDef, index: int, data: ir.Named | None, path: DocPath
    ) -> tuple[str | None, str | None]:
        """The step's condition: (a bool field of the data, None) or (None, a predicate method)."""
        when = sdef.steps[index].when
        if when is None:
            return None, None
        method = _predicate(when)
        if method is not None:
            if problem := check_snake(method):
                self.binder.error(scope.unit, path, problem, code="name")
            elif clash := self._method_clash(method, sdef, index, predicate=True):
                self.binder.error(
                    scope.unit,
                    path,
                    f"predicate '{method}' clashes with {clash}",
                    "give it another name",
                    code="clash",
                )
            return None, method
        if data is None:
            return None, None
        properties = self.binder.scopes[data.package].unit.document.types[data.name].properties or {}
        use = properties.get(when)
        if use is None:
            self.binder.error(
                scope.unit,
                path,
                f"saga data has no field '{when}'",
                did_you_mean(when, properties)
                or f"name a bool field, or write '{when}()' for a predicate method",
            )
            return None, None
        text = use if isinstance(use, str) else getattr(use, "type", None)
        if isinstance(text, str) and text.rstrip("?") != "bool":
            self.binder.error(
                scope.unit,
                path,
                f"'when' field '{when}' is '{text}', not a bool",
                f"name a bool field, or write '{when}()' for a predicate method",
            )
            return None, None
        return when, None

    def _step_key(
        self,
        scope: Scope,
        step: language.SagaStep,
        data: ir.Named | None,
        spath: DocPath,
        invoke: tuple[str, str, str] | None,
        compensate: tuple[str, str, str] | None,
    ) -> None:
        """`key` is given exactly when a participant is an object, and names a field of the saga data."""
        objects = [
            p for p in (invoke, compensate) if p and self.binder.scopes[p[0]].kinds.get(p[1]) == "object"
        ]
        if step.key is not None and (invoke or compensate) and not objects:
            self.binder.error(
                scope.unit,
                (*spath, "key"),
                "'key' applies to object participants; this step calls services only",
                "remove 'key'",
            )
        for participant, key in ((invoke, "invoke"), (compensate, "compensate")):
            if participant is None or step.key is not None:
                continue
            if self.binder.scopes[participant[0]].kinds.get(participant[1]) == "object":
                self.binder.error(
                    scope.unit,
                    (*spath, key),
                    f"object participant '{participant[1]}' needs a key",
                    "add 'key: <field of the saga data>'",
                    code="missing-key",
                )
        if step.key is None or data is None:
            return
        data_fields = set(self.binder.scopes[data.package].unit.document.types[data.name].properties or {})
        if step.key not in data_fields:
            self.binder.error(
                scope.unit,
                (*spath, "key"),
                f"saga data has no field '{step.key}'",
                did_you_mean(step.key, data_fields),
            )
        else:
            self._key_field(scope, data, step.key, (*spath, "key"))

    def _on_reply(
        self,
        scope: Scope,
        sdef: language.SagaDef,
        index: int,
        spath: DocPath,
        invoke: tuple[str, str, str] | None,
        nested: tuple[str, str] | None = None,
    ) -> tuple[tuple[ir.TypeRef, str], ...]:
        on_reply: list[tuple[ir.TypeRef, str]] = []
        for rname, method in sdef.steps[index].on_reply.items():
            ref = self.binder.bind(scope, rname, (*spath, "on_reply", rname))
            if ref is not None and ref in [seen for seen, _ in on_reply]:
                self.binder.error(
                    scope.unit,
                    (*spath, "on_reply", rname),
                    f"'{rname}' has a reply handler already",
                    "give each type one reply handler",
                    code="duplicate",
                )
                continue
            if problem := check_snake(method):
                self.binder.error(scope.unit, (*spath, "on_reply", rname), problem, code="name")
            elif clash := self._method_clash(method, sdef, index):
                self.binder.error(
                    scope.unit,
                    (*spath, "on_reply", rname),
                    f"reply handler '{method}' clashes with {clash}",
                    "give it another name",
                    code="clash",
                )
            if ref is not None:
                on_reply.append((ref, method))
                what = "saga-reply" if nested is not None else "reply"
                self._check(_Check(scope.unit, (*spath, "on_reply", rname), what, invoke, ref, rname, nested))
        return tuple(on_reply)

    def _on_error(
        self,
        scope: Scope,
        step: language.SagaStep,
        spath: DocPath,
        invoke: tuple[str, str, str] | None,
    ) -> tuple[tuple[ir.Named, str], ...]:
        on_error = []
        for ename, action in step.on_error.items():
            ref = self.binder.ref(scope, ename, (*spath, "on_error", ename), "errors", "error")
            if action not in SAGA_ERROR_ACTIONS:
                self.binder.error(
                    scope.unit,
                    (*spath, "on_error", ename),
                    f"unknown on_error action '{action}'",
                    did_you_mean(action, SAGA_ERROR_ACTIONS) or "use compensate or fail",
                )
            elif ref is not None:
                on_error.append((ref, action))
                self._check(_Check(scope.unit, (*spath, "on_error", ename), "error", invoke, ref, ename))
        return tuple(on_error)
