"""A deterministic synthetic schema for the generation benchmark: many services, handlers and types.

`write_schema` writes one `common` package of shared types and domain packages (four by default),
each importing `common` and, but for the first of each run of four, the domain before it, so that
references cross files. Types are objects (primitive,
optional, list, map, union and constrained fields, references to earlier types of the same or an
imported package), enums and unions (tagged and untagged); every domain package declares a few
errors; services carry handlers with named, inline, primitive and list inputs and outputs. The same
seed and sizes give the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["SchemaSize", "write_schema"]

PACKAGES = ("common", "catalog", "orders", "billing", "delivery")
"""The default package files: `common` holds shared types only; the others also hold services and errors."""
_CHAIN = 4
"""Domains come in runs of this many, each importing the one before it (and `common`)."""

_PRIMITIVES = ("string", "int", "float", "bool", "datetime", "date", "uuid", "decimal", "bytes", "duration")
_NOUNS = ("Order", "Ticket", "Invoice", "Payment", "Customer", "Restaurant", "Courier", "Menu", "Refund")
_SERVICE_WORDS = ("catalog", "pricing", "orders", "billing", "delivery", "accounts", "reviews", "stock")
_VERBS = ("create", "get", "update", "delete", "list", "approve", "reject", "cancel", "search", "refresh")
_FIELDS = (
    "account_id", "address", "amount", "balance", "category", "city", "comment", "country",
    "created_at", "currency", "customer_id", "deadline", "discount", "email", "expires_at", "label",
    "level", "limit", "location", "name", "note", "owner", "phone", "price", "priority", "quantity",
    "rating", "reason", "reference", "region", "score", "source", "status", "street", "summary",
    "title", "total", "weight", "zip_code", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class SchemaSize:
    services: int
    handlers_per_service: int
    types: int
    packages: int = len(PACKAGES)
    """Package files, `common` included; past the default five, domains are numbered."""

    @property
    def handlers(self) -> int:
        return self.services * self.handlers_per_service

    @classmethod
    def for_handlers(cls, handlers: int, packages: int = len(PACKAGES)) -> SchemaSize:
        """The benchmark's proportions: 10 handlers per service, one declared type per two handlers."""
        return cls(
            services=max(1, handlers // 10),
            handlers_per_service=min(10, handlers),
            types=handlers // 2,
            packages=packages,
        )

    def package_names(self) -> list[str]:
        if self.packages <= len(PACKAGES):
            return list(PACKAGES[: max(2, self.packages)])
        domains = PACKAGES[1:]
        return ["common", *(f"{domains[i % len(domains)]}{i:03d}" for i in range(self.packages - 1))]


@dataclass
class _Package:
    name: str
    imports: tuple[str, ...]
    objects: list[str] = field(default_factory=list)
    enums: list[str] = field(default_factory=list)
    unions: list[str] = field(default_factory=list)
    tagged_members: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    doc: dict[str, Any] = field(default_factory=dict)

    @property
    def named(self) -> list[str]:
        return self.objects + self.enums + self.unions


class _Writer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = 0
        self.packages: dict[str, _Package] = {}

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter:04d}"

    def ref(self, pkg: _Package, *, imported: bool) -> str | None:
        """A reference to an already declared type of this package or, when asked, of an import."""
        if imported and pkg.imports:
            other = self.packages[self.rng.choice(pkg.imports)]
            if other.named:
                return f"{other.name}.{self.rng.choice(other.named)}"
        return self.rng.choice(pkg.named) if pkg.named else None

    def type_expr(self, pkg: _Package) -> str | dict[str, Any]:
        rng = self.rng
        roll = rng.random()
        primitive = rng.choice(_PRIMITIVES)
        ref = self.ref(pkg, imported=roll > 0.85)
        if roll < 0.30 or ref is None:
            return primitive
        if roll < 0.40:
            return f"{primitive}?"
        if roll < 0.50:
            return f"list[{ref if rng.random() < 0.6 else primitive}]"
        if roll < 0.57:
            return f"map[{ref if rng.random() < 0.5 else primitive}]"
        if roll < 0.75:
            return ref
        if roll < 0.80:
            return f"{ref}?"
        if roll < 0.85:
            return f"{ref} | {primitive}"
        if roll < 0.92:
            return ref if rng.random() < 0.5 else f"list[{ref}]"
        if roll < 0.96:
            return {
                "type": ref,
                "description": f"The {rng.choice(_NOUNS).lower()} it belongs to.",
                "optional": True,
            }
        if rng.random() < 0.5:
            return {"type": "int", "min": 0, "max": 1000, "default": 1}
        return {"type": "string", "min_length": 1, "max_length": 64, "description": "Free text."}

    def properties(self, pkg: _Package, count: int) -> dict[str, Any]:
        return {name: self.type_expr(pkg) for name in sorted(self.rng.sample(_FIELDS, count))}

    def add_type(self, pkg: _Package) -> None:
        rng = self.rng
        roll = rng.random()
        types = pkg.doc.setdefault("types", {})
        untagged = [n for n in pkg.objects if n not in pkg.tagged_members]
        if roll < 0.12 and len(pkg.objects) >= 2:
            name = self.fresh(rng.choice(_NOUNS) + "State")
            types[name] = {"enum": [f"STATE_{i}" for i in range(rng.randint(3, 7))]}
            pkg.enums.append(name)
        elif roll < 0.17 and len(untagged) >= 3:
            name = self.fresh(rng.choice(_NOUNS) + "Choice")
            members = rng.sample(untagged, rng.randint(2, 3))
            types[name] = {"union": members, "discriminator": "kind"}
            pkg.tagged_members.update(members)
            pkg.unions.append(name)
        elif roll < 0.20 and len(pkg.named) >= 2:
            name = self.fresh(rng.choice(_NOUNS) + "Either")
            types[name] = {"union": rng.sample(pkg.named, 2)}
            pkg.unions.append(name)
        else:
            name = self.fresh(rng.choice(_NOUNS))
            spec: dict[str, Any] = {"properties": self.properties(pkg, rng.randint(3, 10))}
            if rng.random() < 0.3:
                spec["description"] = f"One {name} record, as the {pkg.name} domain stores it."
            types[name] = spec
            pkg.objects.append(name)

    def add_errors(self, pkg: _Package, count: int) -> None:
        errors = pkg.doc.setdefault("errors", {})
        for _ in range(count):
            name = self.fresh(self.rng.choice(_NOUNS)) + self.rng.choice(("NotFound", "Rejected", "Conflict"))
            errors[name] = {
                "code": self.rng.choice((400, 404, 409, 422)),
                "properties": {n: "string" for n in sorted(self.rng.sample(_FIELDS, self.rng.randint(1, 3)))},
            }
            pkg.errors.append(name)

    def handler(self, pkg: _Package) -> dict[str, Any]:
        rng = self.rng
        spec: dict[str, Any] = {}
        roll = rng.random()
        ref = self.ref(pkg, imported=rng.random() < 0.3)
        if roll < 0.30 and ref:
            spec["input"] = ref
        elif roll < 0.65:
            spec["input"] = {"properties": self.properties(pkg, rng.randint(1, 5))}
        elif roll < 0.80:
            spec["input"] = "string"
        elif roll < 0.88 and ref:
            spec["input"] = f"list[{ref}]"
        roll = rng.random()
        if roll < 0.30 and ref:
            spec["output"] = ref
        elif roll < 0.55:
            spec["output"] = {"properties": self.properties(pkg, rng.randint(1, 6))}
        elif roll < 0.65 and ref:
            spec["output"] = f"{ref}?"
        elif roll < 0.75 and ref:
            spec["output"] = f"list[{ref}]"
        if pkg.errors and rng.random() < 0.4:
            spec["errors"] = sorted(rng.sample(pkg.errors, min(len(pkg.errors), rng.randint(1, 2))))
        if rng.random() < 0.2:
            spec["description"] = "Does what its name says, durably."
        return spec


def _imports(names: list[str], index: int) -> tuple[str, ...]:
    if index == 0:
        return ()
    if (index - 1) % _CHAIN == 0:
        return ("common",)
    return ("common", names[index - 1])


def write_schema(folder: Path, size: SchemaSize, *, seed: int = 2024) -> list[Path]:
    """Write the schema files into `folder` (created if missing) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = _Writer(seed)
    names = size.package_names()
    for index, name in enumerate(names):
        imports = _imports(names, index)
        pkg = _Package(name, imports)
        pkg.doc = {"restagen": 1, "package": f"bench.{name}", "description": f"The {name} domain."}
        if imports:
            pkg.doc["imports"] = {alias: f"./{alias}.restagen.yaml" for alias in imports}
        writer.packages[name] = pkg
        # Every package gets its share of the types; `common` a fifth, like the domains.
        share = size.types // len(names) + (1 if index < size.types % len(names) else 0)
        for _ in range(max(share, 1)):
            writer.add_type(pkg)
        if index:
            writer.add_errors(pkg, 4)
    domains = [writer.packages[name] for name in names[1:]]
    for number in range(size.services):
        pkg = domains[number % len(domains)]
        service = f"{writer.rng.choice(_SERVICE_WORDS)}_{number:03d}"
        handlers = {verb: writer.handler(pkg) for verb in _VERBS[: size.handlers_per_service]}
        pkg.doc.setdefault("services", {})[service] = {"handlers": handlers}
    paths = []
    for pkg in writer.packages.values():
        path = folder / f"{pkg.name}.restagen.yaml"
        with path.open("w", encoding="utf-8") as handle:
            yaml.safe_dump(pkg.doc, handle, sort_keys=False, default_flow_style=False, width=120)
        paths.append(path)
    return paths
