"""The README of a package: a Mermaid picture of its components and of what connects them.

The picture groups handlers by component and components by package, and draws the events and
Kafka topics each handler subscribes to (an event in the package that declares it, whose
generated publisher sends it) and the handlers each saga calls and compensates with, in other
packages too. Everything the template prints is decided here: node ids, shapes, escaped labels
and edges, in a sorted order, so that the file is the same for the same schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from restagen.compiler import ir
from restagen.compiler.render.header import header
from restagen.compiler.render.mermaid import NodeIds, label, summary
from restagen.compiler.render.templates import render_template

__all__ = ["Edge", "Group", "Node", "OverviewView", "markdown_text", "overview_view", "render_overview"]

_INDENT = "    "
_KIND = {"service": "service", "object": "virtual object", "workflow": "workflow"}
# Shapes, by what a node is: handlers rounded, sagas boxed twice, events hexagons, topics cylinders.
_HANDLER = ("(", ")")
_SAGA = ("[[", "]]")
_EVENT = ("{{", "}}")
_TOPIC = ("[(", ")]")
_CALL = "-->"
_UNDO = "-.->"
_DELIVERY = "==>"
# Characters a Markdown paragraph could read as markup; CommonMark lets any of them be escaped.
_MARKDOWN = set("\\`*_[]<>|~&#$!")


@dataclass(frozen=True)
class Node:
    id: str
    open: str
    label: str
    """Quoted and escaped."""
    close: str
    indent: str


@dataclass
class Group:
    """A Mermaid subgraph: a package or a component."""

    id: str
    label: str
    indent: str
    groups: list[Group] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    source: str
    arrow: str
    """The arrow with its quoted label, if any: `-->|"charge"|`."""
    target: str


@dataclass
class OverviewView:
    header: str
    package: str
    description: str | None
    """The package's description as one Markdown paragraph, markup escaped."""
    groups: list[Group] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    """Nodes outside every package: Kafka topics."""
    edges: list[Edge] = field(default_factory=list)
    sagas_page: str | None = None
    """The page drawing each saga's flow, when the package has sagas."""
    handlers: bool = False
    """Whether some handler is drawn (a package may hold events alone)."""
    shared: bool = False
    """Whether some handler drawn is a shared one (the legend says what that means)."""
    events: bool = False
    """Whether some event is drawn."""
    deliveries: bool = False
    """Whether some handler drawn subscribes to events or topics."""
    indent: str = _INDENT


def _node(node_id: str, shape: tuple[str, str], text: str, depth: int) -> Node:
    return Node(node_id, shape[0], text, shape[1], _INDENT * depth)


def markdown_text(value: str) -> str:
    """`value` as Markdown text on one line, every character that could be markup escaped."""
    return "".join(f"\\{c}" if c in _MARKDOWN else c for c in " ".join(value.split()))


class _Builder:
    def __init__(self, program: ir.Program, package: ir.Package) -> None:
        self.program = program
        self.package = package
        self.ids = NodeIds()
        self.packages: dict[str, Group] = {}
        self.components: dict[tuple[str, str], Group] = {}
        self.nodes: dict[str, Node] = {}
        self.shared = False
        self.events = False

    def package_group(self, name: str) -> Group:
        if name not in self.packages:
            self.packages[name] = Group(self.ids("p", name), label(f"package {name}"), _INDENT)
        return self.packages[name]

    def component_group(self, package: str, component: ir.Component) -> Group:
        key = (package, component.name)
        if key not in self.components:
            group = Group(
                self.ids("c", package, component.name),
                label(f"{_KIND[component.kind]} {component.name}", summary(component.description)),
                _INDENT * 2,
            )
            self.components[key] = group
            self.package_group(package).groups.append(group)
        return self.components[key]

    def add(self, group: Group, node: Node) -> str:
        if node.id not in self.nodes:
            self.nodes[node.id] = node
            group.nodes.append(node)
        return node.id

    def handler(self, package: str, component: ir.Component, handler: ir.Handler) -> str:
        group = self.component_group(package, component)
        name = handler.name
        if handler.kind == "shared":
            name += " (shared)"
            self.shared = True
        node_id = self.ids("h", package, component.name, handler.name)
        return self.add(group, _node(node_id, _HANDLER, label(name), 3))

    def target(self, target: tuple[str, str, str]) -> str:
        """The node of a saga's participant or compensation, in whichever package declares it."""
        package, component_name, handler_name = target
        component = next(c for c in self.program.package(package).components if c.name == component_name)
        handler = next(h for h in component.handlers if h.name == handler_name)
        return self.handler(package, component, handler)

    def saga(self, target: tuple[str, str]) -> str:
        """The node of a saga another saga runs as a step, in whichever package declares it."""
        package, name = target
        node_id = self.ids("s", package, name)
        if package == self.package.name:
            return node_id  # drawn with the package's own sagas
        decl = next(s for s in self.program.package(package).sagas if s.name == name)
        text = label(f"saga {name}", summary(decl.description))
        return self.add(self.package_group(package), _node(node_id, _SAGA, text, 2))

    def event(self, ref: ir.Named) -> str:
        decl = next(e for e in self.program.package(ref.package).events if e.name == ref.name)
        self.events = True
        node_id = self.ids("e", ref.package, ref.name)
        node = _node(node_id, _EVENT, label(f"event {decl.name}", summary(decl.description)), 2)
        return self.add(self.package_group(ref.package), node)

    def topic(self, binding: ir.KafkaBinding, topics: list[Node]) -> str:
        node_id = self.ids("t", binding.cluster, binding.topic)
        if node_id not in self.nodes:
            text = label(f"Kafka topic {binding.topic}", f"cluster {binding.cluster}")
            self.nodes[node_id] = _node(node_id, _TOPIC, text, 1)
            topics.append(self.nodes[node_id])
        return node_id

    def own_nodes(self, own: Group) -> None:
        """The package's own components with their handlers, its sagas and its events."""
        package = self.package
        for component in sorted(package.components, key=lambda c: c.name):
            self.component_group(package.name, component)
            for handler in sorted(component.handlers, key=lambda h: h.name):
                self.handler(package.name, component, handler)
        for saga in sorted(package.sagas, key=lambda s: s.name):
            node_id = self.ids("s", package.name, saga.name)
            text = label(f"saga {saga.name}", summary(saga.description))
            self.add(own, _node(node_id, _SAGA, text, 2))
        for event in sorted(package.events, key=lambda e: e.name):
            self.event(ir.Named(package.name, event.name))

    def deliveries(self, topics: list[Node]) -> list[Edge]:
        """An edge from each event and Kafka topic to the handlers it is delivered to."""
        package = self.package
        edges: list[Edge] = []
        for component in sorted(package.components, key=lambda c: c.name):
            for handler in sorted(component.handlers, key=lambda h: h.name):
                subscriber = self.handler(package.name, component, handler)
                for ref in sorted(handler.subscribe, key=lambda r: (r.package, r.name)):
                    edges.append(Edge(self.event(ref), _DELIVERY, subscriber))
                if handler.kafka is not None:
                    edges.append(Edge(self.topic(handler.kafka, topics), _DELIVERY, subscriber))
        return edges

    def saga_calls(self) -> list[Edge]:
        """An edge from each saga to the handlers its steps call and undo with."""
        package = self.package
        edges: list[Edge] = []
        for saga in sorted(package.sagas, key=lambda s: s.name):
            node_id = self.ids("s", package.name, saga.name)
            for step in saga.steps:
                if step.saga is not None:  # a nested saga: called as a step, undone with it
                    edges.append(Edge(node_id, f"{_CALL}|{label(step.name)}|", self.saga(step.saga)))
                if step.invoke is not None:
                    edges.append(Edge(node_id, f"{_CALL}|{label(step.name)}|", self.target(step.invoke)))
                if step.compensate is not None:
                    undo = f"{_UNDO}|{label('undo ' + step.name)}|"
                    edges.append(Edge(node_id, undo, self.target(step.compensate)))
        return edges

    def build(self) -> OverviewView:
        package = self.package
        view = OverviewView(
            header=header(package),
            package=package.name,
            description=markdown_text(package.description) if package.description else None,
            sagas_page="sagas.md" if package.sagas else None,
        )
        own = self.package_group(package.name)
        self.own_nodes(own)
        topics: list[Node] = []
        view.edges.extend(self.deliveries(topics))
        view.edges.extend(self.saga_calls())
        foreign = sorted(name for name in self.packages if name != package.name)
        view.groups = [own, *(self.packages[name] for name in foreign)]
        view.nodes = sorted(topics, key=lambda n: n.id)
        view.handlers = bool(self.components)
        view.shared = self.shared
        view.events = self.events
        view.deliveries = any(edge.arrow == _DELIVERY for edge in view.edges)
        for group in view.groups:
            group.groups.sort(key=lambda g: g.id)
            group.nodes.sort(key=lambda n: n.id)
            for inner in group.groups:
                inner.nodes.sort(key=lambda n: n.id)
        return view


def overview_view(program: ir.Program, package: ir.Package) -> OverviewView:
    return _Builder(program, package).build()


def render_overview(program: ir.Program, package: ir.Package) -> dict[str, str]:
    """`<package>/README.md`, for a package with components, sagas or events to draw."""
    if not (package.components or package.sagas or package.events):
        return {}
    view = overview_view(program, package)
    return {f"{package.name.replace('.', '/')}/README.md": render_template("README.md.jinja", view=view)}
