"""`restagen init`: a new project with one example schema, its configuration, a README and a test.

The files come from `restagen/templates/init/`; the project and package names come from the folder name.
The project installs with `pip install -e .` (its packages are those generated into `gen/`, which
therefore exists from the start), and passes `ruff check`, `ruff format --check` and `mypy` as
created, after `restagen generate`, and after following docs/guide.md.
Nothing is written when any of the files already exists: a project is created whole or not at all.
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

from restagen import __version__
from restagen.compiler.render.templates import render_template

__all__ = ["ProjectExistsError", "create_project", "project_files"]

_DEFAULT_NAME = "app"
# Package names that would shadow something the project imports, or its own folders.
_TAKEN = frozenset({*sys.stdlib_module_names, "restagen", "restate", "pydantic", "pytest", "tests", "gen"})
# A repository often starts with a .gitignore of its own: kept as it is, it does not block `init`.
_KEPT = frozenset({Path(".gitignore")})


class ProjectExistsError(FileExistsError):
    """`init` would overwrite files that already exist."""

    def __init__(self, directory: Path, existing: list[Path]) -> None:
        self.directory = directory
        self.existing = existing
        names = ", ".join(str(p) for p in existing)
        super().__init__(f"would overwrite {names}; restagen init only creates a new project")


def _names(directory: Path) -> tuple[str, str]:
    """The distribution name and the Python package name for a project folder."""
    words = re.findall(r"[a-z0-9]+", directory.resolve().name.lower())
    package = "_".join(words)
    if not package:
        package = _DEFAULT_NAME
    elif package[0].isdigit() or keyword.iskeyword(package) or package in _TAKEN:
        package = f"{_DEFAULT_NAME}_{package}"
    return package.replace("_", "-"), package


def _console(*commands: tuple[str, str]) -> str:
    """Shell commands with their comments lined up, as the README's console blocks show them."""
    width = max(len(command) for command, _ in commands)
    return "\n".join(
        f"$ {command:<{width}}    # {comment}" if comment else f"$ {command}" for command, comment in commands
    )


def project_files(directory: Path) -> dict[Path, str]:
    """The files `init` creates in `directory`, relative to it, with their contents."""
    project, package = _names(directory)
    schema_file = f"{package}.restagen.yaml"
    package_dir = package.replace(".", "/")
    context = {
        "project": project,
        "package": package,
        "package_dir": package_dir,
        "schema_file": schema_file,
        "restagen_version": __version__,
        "generate_commands": _console(
            ("pip install -e '.[dev]'", "gen/ goes on the import path, packages generated later included"),
            ("restagen validate", "report every problem, write nothing"),
            ("restagen generate", f"write gen/{package_dir}/"),
            ("pytest", ""),
        ),
        "serve_commands": _console(
            (f"restagen serve {package}.main:app", "finds gen/ through [tool.restagen] output"),
            ("restagen dev", "or: a local Restate server, serving and reloading"),
        ),
    }
    return {
        Path("pyproject.toml"): render_template("init/pyproject.toml.jinja", **context),
        Path("README.md"): render_template("init/README.md.jinja", **context),
        Path(".gitignore"): render_template("init/gitignore.jinja", **context),
        Path("gen") / "README.md": render_template("init/gen_README.md.jinja", **context),
        Path("schemas") / schema_file: render_template("init/schema.restagen.yaml.jinja", **context),
        Path("tests") / "test_models.py": render_template("init/test_models.py.jinja", **context),
    }


def create_project(directory: Path) -> list[Path]:
    """Write a new project into `directory` (created if missing); return the created paths."""
    files = {
        rel: text
        for rel, text in project_files(directory).items()
        if not (rel in _KEPT and (directory / rel).is_file())
    }
    blocking = {directory, *(directory / parent for rel in files for parent in rel.parents)}
    existing = [path for path in sorted(blocking) if path.exists() and not path.is_dir()]
    existing += [directory / rel for rel in files if (directory / rel).exists()]
    if existing:
        raise ProjectExistsError(directory, existing)
    created = []
    for rel, content in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        created.append(path)
    return created
