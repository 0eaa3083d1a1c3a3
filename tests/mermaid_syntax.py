"""A structural check of the Mermaid flowcharts restagen writes into package READMEs.

Without a Mermaid renderer at hand, a diagram is read line by line against the subset of the
flowchart grammar the README uses: a `flowchart` line, `subgraph ID["label"]` ... `end`, node
declarations `ID<shape>"label"<shape>` and edges `ID <arrow>|"label"| ID`. Node ids must be
identifiers and not Mermaid keywords, every id is declared once, every edge joins declared nodes,
and every label is quoted with nothing inside that Mermaid would read as syntax.
"""

from __future__ import annotations

import re

__all__ = ["check_flowchart", "mermaid_blocks"]

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_LABEL = r'"(?P<label>[^"]*)"'
_SHAPES = (("(", ")"), ("[[", "]]"), ("{{", "}}"), ("[(", ")]"), ("[", "]"))
_SHAPE = "|".join(
    f"{re.escape(a)}{_LABEL.replace('label', f'label{i}')}{re.escape(b)}" for i, (a, b) in enumerate(_SHAPES)
)
_NODE = re.compile(rf"^(?P<id>{_ID})(?:{_SHAPE})$")
_SUBGRAPH = re.compile(rf"^subgraph (?P<id>{_ID})\[{_LABEL}\]$")
_EDGE = re.compile(rf"^(?P<source>{_ID}) (?P<arrow>-->|-\.->|==>)(?:\|{_LABEL}\|)? (?P<target>{_ID})$")
_KEYWORDS = {"end", "subgraph", "graph", "flowchart", "direction", "style", "class", "classDef", "click"}
# Inside a label: Mermaid's entities (`#35;`) and restagen's own line breaks, nothing else that is syntax.
_ENTITY = re.compile(r"#\d+;")


def mermaid_blocks(markdown: str) -> list[str]:
    """The bodies of the ```mermaid blocks of a Markdown text."""
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, re.M | re.S)


def _label_problems(text: str) -> list[str]:
    bare = _ENTITY.sub("", text.replace("<br>", ""))
    return [f"{c!r} in label {text!r}" for c in '"<>`#&|\\\n\r' if c in bare]


def check_flowchart(diagram: str) -> list[str]:
    """What is wrong with `diagram`, as messages; empty when it is a well-formed flowchart."""
    lines = diagram.splitlines()
    problems: list[str] = []
    if not lines or not re.fullmatch(r"flowchart (LR|TD|TB|RL|BT)", lines[0]):
        problems.append(f"first line is not a flowchart header: {lines[:1]}")
    nodes: set[str] = set()
    groups: set[str] = set()
    edges: list[tuple[str, str]] = []
    depth = 0
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if line == "end":
            depth -= 1
            if depth < 0:
                problems.append(f"line {number}: `end` without a subgraph")
            continue
        match = _SUBGRAPH.match(line) or _NODE.match(line) or _EDGE.match(line)
        if match is None:
            problems.append(f"line {number}: not a subgraph, node or edge: {line!r}")
            continue
        labels = [v for k, v in match.groupdict().items() if k.startswith("label") and v is not None]
        for text in labels:
            problems.extend(f"line {number}: {p}" for p in _label_problems(text))
        if match.re is _EDGE:
            edges.append((match["source"], match["target"]))
            continue
        node_id = match["id"]
        if node_id in _KEYWORDS:
            problems.append(f"line {number}: id {node_id!r} is a Mermaid keyword")
        if node_id in nodes or node_id in groups:
            problems.append(f"line {number}: id {node_id!r} declared twice")
        if match.re is _SUBGRAPH:
            groups.add(node_id)
            depth += 1
        else:
            nodes.add(node_id)
    if depth:
        problems.append(f"{depth} subgraph(s) without `end`")
    for source, target in edges:
        for end in (source, target):
            if end not in nodes:
                problems.append(f"edge {source} -> {target}: {end!r} is not a declared node")
    return problems
