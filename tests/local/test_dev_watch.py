"""How `restagen dev` reacts to changes, without a server: changed contents only, definitions
regenerate, code restarts the endpoint once per change, the generator's own writes restart nothing,
a dead endpoint starts again on any change, and one that dies while it is registered is reported."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from restagen.local.dev import DevSession, Files
from tests.polling import wait_until


@dataclass
class Recording(DevSession):
    """A session whose endpoint only notes what `gen/module.py` held at each start."""

    alive: bool = True
    started: list[str] = field(default_factory=list)

    @property
    def starts(self) -> int:
        return len(self.started)

    def start_endpoint(self) -> bool:
        module = self.paths[0] / "module.py"
        self.started.append(module.read_text() if module.exists() else "")
        self.alive = True
        return True

    def endpoint_alive(self) -> bool:
        return self.alive


def test_only_changed_contents_count(tmp_path: Path) -> None:
    module = tmp_path / "a.py"
    module.write_text("1")
    files = Files([tmp_path])
    module.write_text("1")  # touched, as editors and the generator do
    assert files.update([module]) == set()
    module.write_text("2")
    assert files.update([module]) == {module}
    module.unlink()
    assert files.update([module]) == {module}
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("b")
    (tmp_path / "notes.txt").write_text("not watched")
    assert files.rescan() == {tmp_path / "sub" / "b.yaml"}


def test_environments_and_caches_below_a_root_are_skipped(tmp_path: Path) -> None:
    root = tmp_path / "venv" / "project"  # a project may live anywhere, even in a folder named so
    for name in [
        "schema.yaml",
        ".venv/lib/site.py",
        "gen/__pycache__/x.py",
        "node_modules/a.yaml",
        "gen/m.py",
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    assert Files([root]).rescan() == set()  # all read when made
    assert set(Files([root]).known) == {root / "schema.yaml", root / "gen" / "m.py"}


def replace(path: Path, text: str) -> None:
    """Save `path` whole, as an editor that writes a new file and renames it does: a reader never
    sees it truncated (one writing in place can be caught empty on a busy machine, which is a change
    too, and restarts once more)."""
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(text)
    os.replace(temporary, path)


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Callable[[Callable[[], bool]], tuple[Recording, list[str]]]]:
    """`watching(generate)`: a session watching `tmp_path/schema.yaml` and `tmp_path/gen/` in a thread."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(generate: Callable[[], bool]) -> tuple[Recording, list[str]]:
        log: list[str] = []
        schemas, code = [tmp_path / "schema.yaml"], [tmp_path / "gen"]
        session = Recording("x:app", code, generate=generate, register=lambda *_: None, log=log.append)
        since = Files([*schemas, *code])
        kwargs = {"since": since, "stop_event": stop, "debounce_ms": 400, "step_ms": 50}
        thread = threading.Thread(target=session.watch, args=(schemas, code), kwargs=kwargs)
        thread.start()
        threads.append(thread)
        return session, log

    (tmp_path / "schema.yaml").write_text("v1")
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "module.py").write_text("# v1")
    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()


def test_a_definition_change_regenerates_and_restarts_once(
    tmp_path: Path, watching: Callable[[Callable[[], bool]], tuple[Recording, list[str]]]
) -> None:
    schema, module = tmp_path / "schema.yaml", tmp_path / "gen" / "module.py"

    def generate() -> bool:
        module.write_text(f"# {schema.read_text()}")
        (tmp_path / "gen" / "same.py").write_text("# always the same")
        return True

    session, log = watching(generate)
    schema.write_text("v2")
    wait_until(lambda: session.starts == 1, "the restart after regenerating")
    replace(module, "# edited")  # the generator's writes were seen before: they restart nothing
    wait_until(lambda: session.starts == 2, "the restart after the edit")
    assert session.started == ["# v2", "# edited"]
    assert log == [
        "definitions changed: regenerating",
        "code changed: restarting the endpoint",
        "code changed: restarting the endpoint",
    ]


def test_errors_in_definitions_keep_the_endpoint(
    tmp_path: Path, watching: Callable[[Callable[[], bool]], tuple[Recording, list[str]]]
) -> None:
    session, log = watching(lambda: False)
    (tmp_path / "schema.yaml").write_text("broken")
    wait_until(lambda: log, "the regeneration")
    replace(tmp_path / "gen" / "module.py", "# edited")
    wait_until(lambda: session.starts == 1, "the restart after the edit")
    assert log == ["definitions changed: regenerating", "code changed: restarting the endpoint"]


def test_a_dead_endpoint_starts_again_on_any_change(
    tmp_path: Path, watching: Callable[[Callable[[], bool]], tuple[Recording, list[str]]]
) -> None:
    session, log = watching(lambda: True)  # regenerating changes no code
    session.alive = False
    (tmp_path / "schema.yaml").write_text("v2")
    wait_until(lambda: session.starts == 1, "the endpoint to start again")
    assert log == ["definitions changed: regenerating"]


def test_an_endpoint_dying_while_it_is_registered_is_reported(tmp_path: Path) -> None:
    (tmp_path / "tiny_app.py").write_text(
        "async def app(scope, receive, send):\n"
        "    if scope['type'] == 'lifespan':\n"
        "        while (await receive())['type'] != 'lifespan.shutdown':\n"
        "            await send({'type': 'lifespan.startup.complete'})\n"
        "        await send({'type': 'lifespan.shutdown.complete'})\n"
    )
    log: list[str] = []

    def register(admin_url: str, uri: str) -> None:
        assert session.endpoint is not None
        session.endpoint.kill()
        session.endpoint.wait()
        raise RuntimeError(f"{uri} unreachable")

    session = DevSession("tiny_app:app", [tmp_path], generate=lambda: True, register=register, log=log.append)
    session.server = SimpleNamespace(ingress_urls=["http://127.0.0.1:1"], admin_url="http://127.0.0.1:2")  # type: ignore[assignment]
    try:
        assert session.start_endpoint() is False
        assert session.endpoint_alive() is False  # and not said twice
    finally:
        session.stop_endpoint()
    assert log == ["the endpoint was killed by SIGKILL; it starts again on the next change"]
