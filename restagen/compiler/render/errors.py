"""The errors module of a package: one exception class per declared error."""

from __future__ import annotations

from dataclasses import dataclass

from restagen.compiler import ir
from restagen.compiler.render import expressions
from restagen.compiler.render.annotations import Imports, annotation
from restagen.compiler.render.header import header
from restagen.compiler.render.templates import render_template

__all__ = ["render_errors"]


@dataclass(frozen=True)
class _Param:
    name: str
    wire: str
    annotation: str
    default: str | None


@dataclass(frozen=True)
class _Error:
    decl: ir.ErrorDecl
    params: tuple[_Param, ...]

    @property
    def details(self) -> str:
        """The details model built from the parameters, validated by their names on the wire."""
        model = self.decl.details.name
        if not self.params:
            return f"{model}()"
        return f"{model}.model_validate({expressions.dict_of((repr(p.wire), p.name) for p in self.params)})"


def render_errors(program: ir.Program, package: ir.Package) -> str:
    imports = Imports()
    errors = []
    if package.errors:
        imports.add("typing", "ClassVar")
        imports.add("pydantic", "BaseModel")
        imports.add("restagen.runtime", "DeclaredError")
    for decl in package.errors:
        details = program.type(decl.details)
        assert isinstance(details, ir.ObjectType)
        imports.add(".models", decl.details.name)
        params = []
        for fld in details.fields:
            text = annotation(fld.type, imports, package=package.name).text
            if fld.optional:
                text = f"{text} | None"
            default = repr(fld.default) if fld.has_default else ("None" if fld.optional else None)
            params.append(_Param(fld.py_name, fld.name, text, default))
        errors.append(_Error(decl, tuple(params)))
    return render_template(
        "errors.py.jinja",
        header=header(package),
        package=package,
        errors=errors,
        imports=imports.lines(),
        names=expressions.list_of(repr(decl.name) for decl in sorted(package.errors, key=lambda d: d.name)),
    )
