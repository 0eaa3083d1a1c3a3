"""`restagen init`: the new project generates cleanly and its own test passes; nothing is overwritten."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin

from restagen.cli import main
from restagen.scaffold_project import ProjectExistsError, create_project, project_files


def test_init_creates_a_project_whose_generated_code_passes_its_own_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "coffee-shop"
    assert main(["init", str(project)]) == 0
    config = tomllib.loads((project / "pyproject.toml").read_text())
    assert config["project"]["name"] == "coffee-shop"
    assert config["tool"]["restagen"] == {"schemas": ["schemas"], "output": "gen"}
    assert (project / "schemas" / "coffee_shop.restagen.yaml").is_file()
    assert "restagen generate" in (project / "README.md").read_text()

    monkeypatch.chdir(project)
    assert main(["validate"]) == 0
    assert main(["generate"]) == 0
    assert (project / "gen" / "coffee_shop" / "models.py").is_file()
    assert main(["generate", "--check"]) == 0

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "gen"), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def _tool(*args: str, cwd: Path) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}{result.stderr}"


def lint(project: Path, *, mypy: bool = True) -> None:
    """The checks a user runs from the project's root with its own configuration, as they run them."""
    _tool(find_ruff_bin(), "check", ".", cwd=project)
    _tool(find_ruff_bin(), "format", "--check", ".", cwd=project)
    if mypy:
        _tool(sys.executable, "-m", "mypy", "--no-incremental", cwd=project)


def test_a_new_project_passes_ruff_and_after_generate_mypy_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "coffee-shop"
    assert main(["init", str(project)]) == 0
    # Before generating, the test's imports of the package cannot be resolved: mypy waits.
    lint(project, mypy=False)
    config = tomllib.loads((project / "pyproject.toml").read_text())
    assert config["tool"]["mypy"]["strict"] is True
    monkeypatch.chdir(project)
    assert main(["generate"]) == 0
    assert (project / "gen" / "coffee_shop" / "impl" / "greeter.py").is_file()
    lint(project)


def test_a_new_project_ignores_local_state_and_caches(tmp_path: Path) -> None:
    create_project(tmp_path / "shop")
    ignored = (tmp_path / "shop" / ".gitignore").read_text().split()
    expected = [".restate/", ".venv/", "__pycache__/", ".mypy_cache/", ".ruff_cache/", ".pytest_cache/"]
    expected.append(".restagen.json")
    assert set(expected) <= set(ignored)
    assert "gen/" not in ignored  # generated code is committed: `generate --check` compares it in CI


def test_init_keeps_an_existing_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("secrets/\n")
    created = create_project(tmp_path)
    assert tmp_path / ".gitignore" not in created
    assert (tmp_path / ".gitignore").read_text() == "secrets/\n"
    assert (tmp_path / "pyproject.toml").is_file()


@pytest.mark.slow
def test_pip_install_editable_imports_packages_generated_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "shop"
    create_project(project)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Without dependencies: what is checked is that the build works and where the packages are found.
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    monkeypatch.chdir(project)
    (project / "schemas" / "extra.restagen.yaml").write_text(
        "restagen: 1\npackage: extra.things\ntypes:\n  Thing: {properties: {name: string}}\n"
    )
    assert main(["generate"]) == 0
    found = subprocess.run(
        [
            python,
            "-c",
            "import importlib.util as u; print(u.find_spec('shop.impl.greeter').origin); "
            "print(u.find_spec('extra.things.models').origin)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [
        str(project / "gen" / "shop" / "impl" / "greeter.py"),
        str(project / "gen" / "extra" / "things" / "models.py"),
    ]


def test_init_into_an_existing_project_refuses_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mine"\n')
    assert main(["init", str(tmp_path)]) == 1
    assert "pyproject.toml" in capsys.readouterr().err
    assert (tmp_path / "pyproject.toml").read_text() == '[project]\nname = "mine"\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]


def test_init_twice_refuses_and_keeps_the_first_project(tmp_path: Path) -> None:
    created = create_project(tmp_path / "shop")
    schema = tmp_path / "shop" / "schemas" / "shop.restagen.yaml"
    assert schema in created
    schema.write_text(schema.read_text() + "# edited\n")
    with pytest.raises(ProjectExistsError) as info:
        create_project(tmp_path / "shop")
    assert set(info.value.existing) == {p for p in created if p.name != ".gitignore"}
    assert schema.read_text().endswith("# edited\n")


def test_init_refuses_when_a_file_blocks_a_folder(tmp_path: Path) -> None:
    (tmp_path / "schemas").write_text("not a folder")
    with pytest.raises(ProjectExistsError):
        create_project(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schemas"]


@pytest.mark.parametrize(
    ("folder", "package"),
    [("Coffee Shop", "coffee_shop"), ("2048", "app_2048"), ("json", "app_json"), ("---", "app")],
)
def test_package_name_comes_from_the_folder(tmp_path: Path, folder: str, package: str) -> None:
    files = project_files(tmp_path / folder)
    assert Path("schemas") / f"{package}.restagen.yaml" in files
    assert f"package: {package}\n" in files[Path("schemas") / f"{package}.restagen.yaml"]


@pytest.mark.parametrize("folder", ["x", "a very long project name indeed"])
def test_readme_console_comments_line_up_four_spaces_after_the_longest_command(
    tmp_path: Path, folder: str
) -> None:
    readme = project_files(tmp_path / folder)[Path("README.md")]
    for block in readme.split("```console\n")[1:]:
        commented = [line for line in block.split("```")[0].splitlines() if " # " in line]
        columns = {line.index(" # ") + 1 for line in commented}
        assert len(columns) <= 1, commented
        longest = max((len(line.split(" # ")[0].rstrip()) for line in commented), default=0)
        assert columns <= {longest + 4}, commented
