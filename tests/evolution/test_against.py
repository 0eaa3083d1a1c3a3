"""`restagen breaking --against OLD` end to end: a real git repository, a folder, a file, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from restagen.cli import main

V1 = """restagen: 1
package: shop.orders
imports: {common: ../common/common.restagen.yaml}
types:
  Order:
    properties:
      id: string
      total: common.Money
services:
  store:
    handlers:
      place: {input: Order}
      cancel: {input: string}
"""
COMMON = """restagen: 1
package: shop.common
types:
  Money:
    properties: {cents: int}
"""
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **_GIT_ENV}, check=True, capture_output=True)


def commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with two commits: the second removes a handler and changes a shared type."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"schemas/shop.restagen.yaml": V1, "common/common.restagen.yaml": COMMON}, "first")
    v2 = V1.replace("      cancel: {input: string}\n", "")
    commit(
        repo,
        {
            "schemas/shop.restagen.yaml": v2,
            "common/common.restagen.yaml": COMMON.replace("cents: int", "cents: string"),
        },
        "second",
    )
    monkeypatch.chdir(repo)
    return repo


def test_against_the_previous_commit(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breaking", "schemas", "--against", "HEAD~1"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "HEAD~1:schemas/shop.restagen.yaml:13:7: breaking: handler-removed: store.cancel: calls of old clients, "
        "and invocations queued for it, fail",
        "common/common.restagen.yaml:5:18: breaking: input-type: store.place.input.total.cents: int -> string; "
        "breaks requests of old callers",
    ]
    assert "2 breaking, 0 safe change(s) against HEAD~1" in captured.err


def test_against_a_branch_with_the_work_tree_changed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breaking", "schemas", "--against", "main"]) == 0
    assert capsys.readouterr().out == ""
    shop = repo / "schemas/shop.restagen.yaml"
    shop.write_text(shop.read_text() + "      refund: {input: string}\n")
    assert main(["breaking", "schemas", "--against", "main"]) == 0
    assert capsys.readouterr().out == (
        "schemas/shop.restagen.yaml:13:7: safe: handler-added: store.refund: new handler\n"
    )


def test_a_schema_that_did_not_exist_at_the_revision_is_all_new(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(
        repo,
        {
            "billing/billing.restagen.yaml": "restagen: 1\npackage: billing\nservices:\n  billing: {handlers: {pay: {}}}\n"
        },
        "third",
    )
    assert main(["breaking", "billing", "--against", "HEAD~1", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "against": "HEAD~1",
        "breaking": False,
        "findings": [
            {
                "file": "billing/billing.restagen.yaml",
                "line": 4,
                "col": 3,
                "severity": "safe",
                "rule": "component-added",
                "path": "billing",
                "message": "new service",
            }
        ],
    }


def test_json_of_breaking_changes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breaking", "schemas", "--against", "HEAD~1", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["breaking"] is True
    assert [(f["file"], f["line"], f["rule"]) for f in document["findings"]] == [
        ("HEAD~1:schemas/shop.restagen.yaml", 13, "handler-removed"),
        ("common/common.restagen.yaml", 5, "input-type"),
    ]


def test_a_broken_old_schema_gives_the_usual_diagnostics_at_the_revision(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(repo, {"schemas/shop.restagen.yaml": V1.replace("input: Order", "input: Ordr")}, "broken")
    commit(repo, {"schemas/shop.restagen.yaml": V1}, "fixed")
    assert main(["breaking", "schemas", "--against", "HEAD~1"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        "HEAD~1:schemas/shop.restagen.yaml:12:22: services.store.handlers.place.input: unknown type 'Ordr'"
        in (captured.err)
    )


def test_an_unknown_revision_or_no_repository_is_a_user_error(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["breaking", "schemas", "--against", "no-such-branch"]) == 1
    assert "'no-such-branch' is neither a file, a folder nor a git revision" in capsys.readouterr().err
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.restagen.yaml").write_text(COMMON)
    monkeypatch.chdir(outside)
    assert main(["breaking", "a.restagen.yaml", "--against", "HEAD"]) == 1
    assert "the current folder is not in a git repository" in capsys.readouterr().err


def test_against_a_folder_and_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for side, money in (("old", "cents: int"), ("new", "cents: int, currency: string")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "common.restagen.yaml").write_text(COMMON.replace("cents: int", money))
        (tmp_path / side / "use.restagen.yaml").write_text(
            "restagen: 1\npackage: use\nimports: {c: common.restagen.yaml}\n"
            "services:\n  pay: {handlers: {get: {output: c.Money}}}\n"
        )
    assert main(["breaking", "new", "--against", "old"]) == 0
    assert main(["breaking", "new/use.restagen.yaml", "--against", "old/use.restagen.yaml"]) == 0
    (tmp_path / "new" / "use.restagen.yaml").write_text(
        "restagen: 1\npackage: use\nimports: {c: common.restagen.yaml}\n"
        "services:\n  pay: {handlers: {get: {input: c.Money}}}\n"
    )
    assert main(["breaking", "new/use.restagen.yaml", "--against", "old/use.restagen.yaml"]) == 1


def test_the_console_command(repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "restagen", "breaking", "schemas", "--against", "HEAD~1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "breaking: handler-removed: store.cancel" in done.stdout
    assert "2 breaking, 0 safe change(s) against HEAD~1" in done.stderr


def test_against_is_required(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breaking", "schemas"]) == 1
    assert "name the old definitions with --against OLD" in capsys.readouterr().err


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "protocol"


def test_a_protocol_module_against_its_yaml_twin_and_a_changed_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both front ends give the same program, so a module and its YAML export differ in nothing."""
    monkeypatch.chdir(tmp_path)
    assert (
        main(["breaking", str(FIXTURES / "orders.py"), "--against", str(FIXTURES / "orders.restagen.yaml")])
        == 0
    )
    assert capsys.readouterr().out == ""
    changed = tmp_path / "orders.py"
    source = (FIXTURES / "orders.py").read_text()
    changed.write_text(source.replace("Field(ge=1, le=99)", "Field(ge=1, le=50)"))
    assert main(["breaking", "orders.py", "--against", str(FIXTURES / "orders.restagen.yaml")]) == 1
    assert (
        "orders.py:23:5: breaking: input-constraint: order.create.input.line_items[].quantity: max 99 -> 50, "
        "tightened; breaks requests of old callers"
    ) in capsys.readouterr().out.splitlines()


def test_a_broken_new_schema_or_none_at_all_gives_the_usual_diagnostics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old/a.restagen.yaml").write_text(COMMON)
    assert main(["breaking", "new", "--against", "old"]) == 1
    captured = capsys.readouterr()
    assert (captured.out, "new: no definition files found" in captured.err) == ("", True)
    (tmp_path / "new/a.restagen.yaml").write_text(COMMON.replace("cents: int", "cents: integer"))
    assert main(["breaking", "new", "--against", "old", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "new/a.restagen.yaml:5:25: types.Money.properties.cents: unknown type 'integer'" in captured.err
