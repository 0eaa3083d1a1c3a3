"""The service modules of a package: codecs, contexts, definitions, handlers, clients, app, scaffolds.

Rendered for packages that declare services, objects or workflows; a package of sagas only gets
its `app`, `main` and `impl/` package. Scaffolds (the
implementation stubs and the endpoint's `main`) are the user's: `write` creates them once.
"""

from __future__ import annotations

from restagen.compiler import ir
from restagen.compiler.render.header import header
from restagen.compiler.render.sagas import saga_views
from restagen.compiler.render.templates import docstring, render_template
from restagen.compiler.render.views import package_view

__all__ = ["render_services", "scaffold_paths"]

_OWNED = ("codecs", "contexts", "definitions", "handlers", "clients", "app")


def _base(package: ir.Package) -> str:
    return package.name.replace(".", "/")


def scaffold_paths(package: ir.Package) -> list[str]:
    if not package.components and not package.sagas:
        return []
    base = _base(package)
    paths = [f"{base}/main.py", f"{base}/impl/__init__.py"]
    paths.extend(f"{base}/impl/{c.py_name}.py" for c in package.components)
    if _names_middleware(package):
        paths.append(f"{base}/middleware.py")
    return paths


def _names_middleware(package: ir.Package) -> bool:
    return any(c.middleware or any(h.middleware for h in c.handlers) for c in package.components)


def render_services(program: ir.Program, package: ir.Package) -> dict[str, str]:
    if not package.components and not package.sagas:
        return {}
    view = package_view(program, package)
    sagas = saga_views(program, package).sagas
    base = _base(package)
    files = {
        f"{base}/{module}.py": render_template(
            f"{module}.py.jinja", header=header(package), view=view, sagas=sagas
        )
        for module in (_OWNED if package.components else ("app",))  # a package of sagas only
    }
    files[f"{base}/main.py"] = render_template("scaffold/main.py.jinja", view=view, sagas=sagas)
    files[f"{base}/impl/__init__.py"] = (
        docstring(f"The implementations of the components of package {package.name}: yours to edit.") + "\n"
    )
    if view.middleware:
        files[f"{base}/middleware.py"] = render_template("scaffold/middleware.py.jinja", view=view)
    for component in view.components:
        files[f"{base}/impl/{component.name}.py"] = render_template(
            "scaffold/component.py.jinja", c=component, imports=view.implementation_imports(component)
        )
    return files
