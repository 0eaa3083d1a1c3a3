"""`restagen init`: the new project generates cleanly and its own test passes; nothing is overwritten."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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
    assert set(info.value.existing) == set(created)
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
