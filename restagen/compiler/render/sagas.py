"""The saga module of a package: base classes, `SagaSpec`s, clients, scaffolds and Mermaid flows.

Every name and annotation is decided here from the IR; `sagas.py.jinja` and the scaffold only
print them. A step's participant is the `HandlerSpec` constant of its package's `definitions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from restagen.compiler import ir
from restagen.compiler.render import expressions
from restagen.compiler.render.annotations import Imports, annotation
from restagen.compiler.render.header import header
from restagen.compiler.render.mermaid import label
from restagen.compiler.render.templates import render_template
from restagen.compiler.render.views import spec_constant
from restagen.compiler.resolve.names import pascal
from restagen.compiler.resolve.sagas import display, nesting_order

__all__ = ["SagaView", "StepView", "render_sagas", "saga_scaffold_paths", "saga_views"]


@dataclass(frozen=True)
class MethodView:
    """One abstract method of a saga base class."""

    name: str
    params: str
    """The parameters after `self, ctx: SagaContext, data: <Data>` (with a leading comma), or ""."""
    returns: str
    doc: str


@dataclass(frozen=True)
class StepView:
    name: str
    arguments: tuple[tuple[str, str], ...]
    """`SagaStep(...)` keyword arguments, as Python expressions."""


@dataclass(frozen=True)
class SagaView:
    name: str
    title: str
    spec: str
    base: str
    implementation: str
    state_alias: str
    client: str
    sync_client: str
    context_client: str
    data: str
    methods: tuple[MethodView, ...]
    steps: tuple[StepView, ...]
    retry: str | None
    """The `RetryPolicy(...)` expression of its steps' calls, None when the schema sets none."""
    options: str | None
    """The `Options(...)` expression of its workflow, None when the schema sets none."""
    description: str | None
    flow: str
    """The saga as a Mermaid flowchart."""


@dataclass
class SagasView:
    package: ir.Package
    sagas: list[SagaView] = field(default_factory=list)
    annotation_imports: Imports = field(default_factory=Imports)
    """The types the sagas' methods take and return (the scaffolds import them too)."""
    imports: Imports = field(default_factory=Imports)
    """What else the sagas module names: participants, errors, options."""

    @property
    def module_imports(self) -> list[str]:
        return self.imports.copy().update(self.annotation_imports).lines()


def _participant(program: ir.Program, target: tuple[str, str, str]) -> tuple[ir.Component, ir.Handler]:
    package, component, handler = target
    for c in program.package(package).components:
        if c.name == component:
            return c, next(h for h in c.handlers if h.name == handler)
    raise KeyError(target)


def _handler(program: ir.Program, target: tuple[str, str, str]) -> ir.Handler:
    return _participant(program, target)[1]


class _Builder:
    def __init__(self, program: ir.Program, package: ir.Package) -> None:
        self.program = program
        self.view = SagasView(package)

    def annotate(self, ref: ir.TypeRef) -> str:
        return annotation(ref, self.view.annotation_imports, package=self.view.package.name).text

    def participant(self, target: tuple[str, str, str]) -> str:
        module = ".definitions" if target[0] == self.view.package.name else f"{target[0]}.definitions"
        name = spec_constant(*_participant(self.program, target))
        self.view.imports.add(module, name)
        return name

    def attribute(self, data: ir.Named, field_name: str) -> str:
        """The Python attribute of a data field (`from` is `from_`)."""
        declared = self.program.type(data)
        assert isinstance(declared, ir.ObjectType)
        return next(f.py_name for f in declared.fields if f.name == field_name)

    def error(self, ref: ir.Named) -> str:
        module = ".errors" if ref.package == self.view.package.name else f"{ref.package}.errors"
        self.view.imports.add(module, ref.name)
        return ref.name

    def call(
        self,
        target: tuple[str, str, str],
        roles: tuple[str, str],
        step: str,
        undone: str,
        methods: list[MethodView],
    ) -> list[tuple[str, str]]:
        """The arguments naming a step's participant and, when it takes input, the method building it."""
        role, request = roles
        args = [(role, self.participant(target))]
        handler = _handler(self.program, target)
        if handler.input is not None:
            method = f"{step}_{request}"
            text = f"Step {step}{undone}: the request to {target[1]}.{target[2]}."
            methods.append(MethodView(method, "", self.annotate(handler.input), text))
            args.append((request, repr(method)))
        return args

    def nested(self, step: str, target: tuple[str, str], methods: list[MethodView]) -> list[tuple[str, str]]:
        """The arguments of a step running saga `target`, and the method building its data."""
        package, name = target
        spec = name.upper()
        if package != self.view.package.name:
            self.view.imports.add(f"{package}.sagas", spec)
        child = next(s for s in self.program.package(package).sagas if s.name == name)
        text = f"Step {step}: the data of saga {name}, which it runs."
        methods.append(MethodView(f"{step}_request", "", self.annotate(child.data), text))
        return [("saga", spec), ("request", repr(f"{step}_request"))]

    def replies(
        self, step: str, on_reply: tuple[tuple[ir.TypeRef, str], ...], methods: list[MethodView]
    ) -> str:
        """The (reply type, method) pairs of a step, each method declared for the user to write.

        The type is also the runtime's: the engine matches a reply against it (a class, or a
        `list[...]`, `dict[...]` or union form), and calls the first method whose type matches.
        """
        replies = []
        for reply, method in on_reply:
            text = self.annotate(reply)
            methods.append(
                MethodView(
                    method,
                    f", reply: {text}",
                    "None",
                    f"Step {step}: handles a reply of type {display(reply)}, updating the data.",
                )
            )
            replies.append(expressions.tuple_of((text, repr(method))))
        return expressions.tuple_of(replies)

    def step(self, saga: ir.Saga, step: ir.SagaStep, methods: list[MethodView]) -> list[tuple[str, str]]:
        """The `SagaStep(...)` arguments of `step`, declaring the methods it needs in `methods`."""
        args: list[tuple[str, str]] = [("name", repr(step.name))]
        if step.local:
            methods.append(MethodView(step.name, "", "None", f"Local step {step.name}."))
            args.append(("local", repr(step.name)))
        if step.undo:
            undo = f"undo_{step.name}"
            methods.append(MethodView(undo, "", "None", f"Undoes local step {step.name}, once it was done."))
            args.append(("undo", repr(undo)))
        if step.saga is not None:
            args.extend(self.nested(step.name, step.saga, methods))
        if step.invoke is not None:
            args.extend(self.call(step.invoke, ("invoke", "request"), step.name, "", methods))
        if step.compensate is not None:
            roles = ("compensate", "compensation")
            args.extend(self.call(step.compensate, roles, step.name, ", undone", methods))
        if step.key is not None:
            args.append(("key", repr(self.attribute(saga.data, step.key))))
        if step.on_reply:
            args.append(("replies", self.replies(step.name, step.on_reply, methods)))
        if step.on_error:
            errors = [expressions.tuple_of((self.error(e), repr(action))) for e, action in step.on_error]
            args.append(("errors", expressions.tuple_of(errors)))
        args.extend(self.condition(saga, step, methods))
        if step.description:
            args.append(("description", repr(step.description)))
        return args

    def condition(self, saga: ir.Saga, step: ir.SagaStep, methods: list[MethodView]) -> list[tuple[str, str]]:
        """The arguments of a step's condition; a predicate serving several steps is declared once."""
        if step.when_field is not None:
            return [("when", repr(self.attribute(saga.data, step.when_field)))]
        if step.when_method is None:
            return []
        if step.when_method not in [method.name for method in methods]:
            text = f"Whether step {step.name} runs; it is skipped when this returns False."
            methods.append(MethodView(step.when_method, "", "bool", text))
        return [("predicate", repr(step.when_method))]

    def saga(self, saga: ir.Saga) -> SagaView:
        title = pascal(saga.name)
        data = self.annotate(saga.data)
        methods: list[MethodView] = []
        steps: list[StepView] = []
        for step in saga.steps:
            steps.append(StepView(step.name, tuple(self.step(saga, step, methods))))
        return SagaView(
            name=saga.name,
            title=title,
            spec=saga.name.upper(),
            base=f"{title}SagaBase",
            implementation=f"{title}Saga",
            state_alias=f"{title}SagaState",
            client=f"{title}SagaClient",
            sync_client=f"{title}SagaSyncClient",
            context_client=f"{title}SagaContextClient",
            data=data,
            methods=tuple(methods),
            steps=tuple(steps),
            retry=expressions.retry(saga.options.retry, self.view.imports) if saga.options.retry else None,
            options=expressions.options(saga.options, self.view.imports, with_retry=False),
            description=saga.description,
            flow=mermaid(saga),
        )


def saga_views(program: ir.Program, package: ir.Package) -> SagasView:
    builder = _Builder(program, package)
    # A saga's spec names the specs of the sagas it runs: those of this module come first.
    for saga in nesting_order(program, package) or package.sagas:
        builder.view.sagas.append(builder.saga(saga))
    return builder.view


def saga_scaffold_paths(package: ir.Package) -> list[str]:
    base = package.name.replace(".", "/")
    return [f"{base}/impl/{saga.name}.py" for saga in package.sagas]


def render_sagas(program: ir.Program, package: ir.Package) -> dict[str, str]:
    if not package.sagas:
        return {}
    view = saga_views(program, package)
    base = package.name.replace(".", "/")
    files = {
        f"{base}/sagas.py": render_template("sagas.py.jinja", header=header(package), view=view),
        f"{base}/sagas.md": render_template("sagas.md.jinja", view=view),
    }
    for saga in view.sagas:
        files[f"{base}/impl/{saga.name}.py"] = render_template(
            "scaffold/saga.py.jinja", view=view, s=saga, imports=implementation_imports(view, saga)
        )
    return files


def implementation_imports(view: SagasView, saga: SagaView) -> list[str]:
    """The imports of a saga's scaffold in `impl/`."""
    imports = view.annotation_imports.copy()
    imports.add("restagen.runtime", "HandlerNotImplemented")
    imports.add("restagen.runtime.sagas", "SagaContext")
    imports.add(".sagas", saga.base)
    return imports.from_subpackage().lines()


def mermaid(saga: ir.Saga) -> str:
    """The saga as a Mermaid flowchart: steps down, a condition as a diamond before its step,
    reply branches aside, compensations back up."""
    lines = ["flowchart TD", f"    start([{label('start ' + saga.name)}])"]
    undo: list[int] = []
    """Indexes of the steps so far that have a compensation, in order."""
    failed = False

    def rollback(before: int) -> str:
        done = [i for i in undo if i < before]
        return f"u{done[-1]}" if done else "rolled_back"

    previous = [("start", "")]
    """The nodes leading to the next step, each with the label of its edge."""
    for index, step in enumerate(saga.steps):
        node = f"s{index}"
        lines.append(f"    {node}[{label(_step_text(step))}]")
        condition = _condition(step)
        if condition is not None:
            lines.append(f"    c{index}{{{label(condition)}}}")
            lines.extend(_edges(previous, f"c{index}"))
            lines.append(f"    c{index} -->|yes| {node}")
        else:
            lines.extend(_edges(previous, node))
        if step.compensate is not None or step.undo or step.saga is not None:
            undo.append(index)
        for reply, method in step.on_reply:
            branch = f"{node}_{method}"
            lines.append(f"    {branch}[/{label(f'{method}({display(reply)})')}/]")
            lines.append(f"    {node} -.->|{label(display(reply))}| {branch}")
            lines.append(f"    {branch} -.->|rejects| {rollback(index + 1)}")
        for error, action in step.on_error:
            if action == "fail":
                failed = True
                lines.append(f"    {node} -->|{label(error.name)}| failed")
        lines.append(f"    {node} -->|error| {rollback(index)}")
        previous = [(node, ""), *([(f"c{index}", "no")] if condition is not None else [])]
    lines.extend(_edges(previous, "succeeded([SUCCEEDED])"))
    lines.extend(_undo_chain(saga, undo))
    lines.append("    rolled_back([ROLLED_BACK])")
    if failed:
        lines.append("    failed([FAILED])")
    return "\n".join(lines) + "\n"


def _step_text(step: ir.SagaStep) -> str:
    if step.saga is not None:
        return f"{step.name}: saga {step.saga[1]}"
    if step.invoke is None:
        return f"{step.name}: local step"
    return f"{step.name}: {step.invoke[1]}.{step.invoke[2]}"


def _condition(step: ir.SagaStep) -> str | None:
    if step.when_field is not None:
        return f"{step.when_field}?"
    return f"{step.when_method}()?" if step.when_method is not None else None


def _edges(sources: list[tuple[str, str]], target: str) -> list[str]:
    return [
        f"    {node} -->|{text}| {target}" if text else f"    {node} --> {target}" for node, text in sources
    ]


def _undo_chain(saga: ir.Saga, undo: list[int]) -> list[str]:
    """The compensations of the steps `undo`, each leading back to the one before it."""
    lines = []
    for position, index in enumerate(undo):
        step = saga.steps[index]
        if step.compensate is not None:
            target = f"{step.compensate[1]}.{step.compensate[2]}"
        else:
            target = f"saga {step.saga[1]}" if step.saga is not None else f"undo_{step.name}()"
        lines.append(f"    u{index}[{label(f'undo {step.name}: {target}')}]")
        lines.append(f"    u{index} --> {f'u{undo[position - 1]}' if position else 'rolled_back'}")
    return lines
