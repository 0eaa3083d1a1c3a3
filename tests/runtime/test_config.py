"""Configuration: its sources and their precedence, validation errors, sections that turn features off."""

from __future__ import annotations

from pathlib import Path

import pytest

from restagen.runtime import ConfigError, load_config


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in __import__("os").environ if n.startswith("RESTAGEN_")]:
        monkeypatch.delenv(name)
    return tmp_path


def test_every_section_is_absent_by_default() -> None:
    config = load_config()
    assert (config.server, config.ingress, config.admin, config.pubsub, config.identity) == (None,) * 5
    assert config.listen.port == 9080  # the server's defaults, when it has no section


def test_precedence_is_code_then_environment_then_file_then_pyproject(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "pyproject.toml").write_text(
        '[tool.restagen]\nschemas = ["defs"]\n'  # the generator's settings are ignored here
        '[tool.restagen.server]\nport = 1001\nhost = "0.0.0.0"\n'
        '[tool.restagen.ingress]\nurl = "http://pyproject"\n'
        '[tool.restagen.pubsub]\ncluster = "blue"\n'
    )
    (isolated / "endpoint.toml").write_text('[server]\nport = 1002\n[ingress]\nurl = "http://file"\n')
    monkeypatch.setenv("RESTAGEN_CONFIG", "endpoint.toml")
    monkeypatch.setenv("RESTAGEN_INGRESS__URL", "http://env")
    monkeypatch.setenv("RESTAGEN_SERVER__PROPAGATE_INCOMING_HEADERS", '["X-Tenant", "x-user"]')
    config = load_config(pubsub={"cluster": "green"})
    assert config.server is not None and config.ingress is not None and config.pubsub is not None
    assert (config.server.port, config.server.host) == (1002, "0.0.0.0")
    assert config.server.propagate_incoming_headers == ("x-tenant", "x-user")
    assert config.ingress.url == "http://env"
    assert config.pubsub.cluster == "green"


def test_invalid_values_are_listed_with_their_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTAGEN_SERVER__PORT", "eighty")
    monkeypatch.setenv("RESTAGEN_IDENTITY__KEYS", '["ssh-rsa AAAA"]')
    with pytest.raises(ConfigError) as raised:
        load_config(admin={"deploy_on_startup": True})
    message = str(raised.value)
    assert "server.port: Input should be a valid integer" in message
    assert "identity.keys: Value error, 'ssh-rsa AAAA' is not a Restate public key" in message
    assert "admin.url: Field required" in message


def test_an_unknown_key_inside_a_section_is_an_error(isolated: Path) -> None:
    (isolated / "pyproject.toml").write_text("[tool.restagen.server]\nprot = 1\n")
    with pytest.raises(ConfigError, match=r"server.prot: Extra inputs are not permitted"):
        load_config()


def test_a_missing_config_file_and_a_broken_one_are_errors(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESTAGEN_CONFIG", "nowhere.toml")
    with pytest.raises(ConfigError, match=r"RESTAGEN_CONFIG names nowhere\.toml, which is not a file"):
        load_config()
    (isolated / "broken.toml").write_text("[server\n")
    monkeypatch.setenv("RESTAGEN_CONFIG", "broken.toml")
    with pytest.raises(ConfigError, match="invalid restagen configuration"):
        load_config()


def test_require_names_the_missing_section_and_where_to_set_it() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config().require("admin", "deploy on startup")
    assert str(raised.value).startswith("deploy on startup needs the 'admin' section of the configuration")
    assert "RESTAGEN_ADMIN__*" in str(raised.value)
