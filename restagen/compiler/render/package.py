"""The files of each package, rendered in memory: `ir.Program` -> `{relative path: file text}`.

Each package of the program becomes a folder of modules (and, for an endpoint, of deployment
files shaped by `DeploySettings`); `render_package` asks each generator for its files. Templates
only display: names, annotations and imports are computed before they are reached.
"""

from __future__ import annotations

from restagen.compiler import ir
from restagen.compiler.render.deploy import render_deploy
from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.compiler.render.errors import render_errors
from restagen.compiler.render.events import render_events
from restagen.compiler.render.header import header
from restagen.compiler.render.models import render_models
from restagen.compiler.render.overview import render_overview
from restagen.compiler.render.sagas import render_sagas, saga_scaffold_paths
from restagen.compiler.render.services import render_services, scaffold_paths
from restagen.compiler.render.templates import render_template

__all__ = ["package_dir", "render_package", "render_program", "scaffolds"]


def package_dir(package: ir.Package) -> str:
    return package.name.replace(".", "/")


def render_package(
    program: ir.Program, package: ir.Package, deploy: DeploySettings | None = None
) -> dict[str, str]:
    """Every file of one package, unformatted."""
    base = package_dir(package)
    files = {
        f"{base}/__init__.py": render_template(
            "package_init.py.jinja", header=header(package), package=package
        ),
        f"{base}/models.py": render_models(program, package),
    }
    if package.errors:
        files[f"{base}/errors.py"] = render_errors(program, package)
    if package.events:
        files[f"{base}/events.py"] = render_events(package)
    files.update(render_services(program, package))
    files.update(render_sagas(program, package))
    files.update(render_overview(program, package))
    files.update(render_deploy(package, deploy or DeploySettings()))
    return files


def render_program(program: ir.Program, deploy: DeploySettings | None = None) -> dict[str, str]:
    files: dict[str, str] = {}
    for package in program.packages:
        files.update(render_package(program, package, deploy))
    return dict(sorted(files.items()))


def scaffolds(program: ir.Program) -> frozenset[str]:
    """The rendered files that belong to the user once written: created if missing, never changed."""
    return frozenset(
        path
        for package in program.packages
        for path in (*scaffold_paths(package), *saga_scaffold_paths(package))
    )
