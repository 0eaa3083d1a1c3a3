"""Kafka bindings: the subscriptions match Restate's admin API, the cluster configuration is TOML that
restate-server reads, and no name or setting can add structure to either.

The subscriptions are validated against the request body of `POST /subscriptions` in the admin
API's OpenAPI document (a fixture, see tests/fixtures/deploy/README.md; the end-to-end tests
compare it with the running server's and have the server accept the subscriptions).
"""

from __future__ import annotations

import json
import textwrap
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import ValidationError

from restagen.cli import main
from restagen.compiler import ir
from restagen.compiler.pipeline import compile_paths
from restagen.compiler.render.deploy import render_deploy
from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.compiler.render.header import OWNED_MARKER
from restagen.compiler.render.kafka import cluster_env, toml_string
from restagen.kafka_subscriptions import KafkaSubscriptionError, read_subscriptions
from restagen.local.server import RESTATE_SERVER_VERSION
from restagen.project import ProjectConfigError, find_project

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "tests" / "fixtures" / "deploy" / "restate-admin-openapi.json"

SCHEMA = """\
restagen: 1
package: shop.stock
events:
  StockChanged:
    properties: {sku: string, quantity: int}
  PriceChanged:
    properties: {sku: string}
services:
  stock:
    handlers:
      on_changed:
        subscribe: [StockChanged]
        kafka: {topic: stock.changes}
      check: {input: string}
objects:
  item:
    handlers:
      on_price:
        subscribe: [PriceChanged, StockChanged]
        kafka:
          topic: prices_v2
          cluster: analytics.internal
          options: {auto.offset.reset: earliest, enable.auto.commit: true, fetch.min.bytes: 1}
          type_header: event-type
workflows:
  restock:
    run: {input: string}
    handlers:
      on_stock:
        subscribe: [StockChanged]
        kafka: {topic: stock.changes, cluster: kafka}
"""


@cache
def _openapi() -> dict[str, Any]:
    return dict(json.loads(OPENAPI.read_text()))


@cache
def _request_schema() -> dict[str, Any]:
    """The request body of `POST /subscriptions`, its references resolvable."""
    document = _openapi()
    body = document["paths"]["/subscriptions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return {**body, "components": document["components"]}


def _validate(payload: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        _request_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(payload)
    # The schema allows other keys; the server would not know what to do with ours.
    target = _openapi()["components"]["schemas"]["CreateSubscriptionRequest"]
    assert set(payload) <= set(target["properties"]), payload


def _program(tmp_path: Path, text: str = SCHEMA) -> ir.Program:
    (tmp_path / "stock.restagen.yaml").write_text(text)
    result = compile_paths([tmp_path / "stock.restagen.yaml"])
    assert result.program is not None, "\n".join(d.render() for d in result.diagnostics)
    return result.program


def _files(program: ir.Program, package: str, settings: DeploySettings | None = None) -> dict[str, str]:
    files = render_deploy(program.package(package), settings or DeploySettings())
    return {path.rsplit("/", 1)[1]: text for path, text in files.items()}


def _subscriptions(text: str) -> list[dict[str, Any]]:
    document = yaml.safe_load(text)
    assert list(document) == ["subscriptions"]
    return list(document["subscriptions"])


def test_the_fixture_is_the_pinned_servers_document() -> None:
    assert _openapi()["info"]["version"] == RESTATE_SERVER_VERSION
    assert "CreateSubscriptionRequest" in _openapi()["components"]["schemas"]


def test_bindings_reach_the_ir(tmp_path: Path) -> None:
    package = _program(tmp_path).package("shop.stock")
    handlers = {(c.name, h.name): h for c in package.components for h in c.handlers}
    assert handlers["stock", "on_changed"].kafka == ir.KafkaBinding("stock.changes", "kafka")
    assert handlers["stock", "check"].kafka is None
    # Options are sorted, and YAML's booleans and numbers become the text librdkafka reads.
    assert handlers["item", "on_price"].kafka == ir.KafkaBinding(
        "prices_v2",
        "analytics.internal",
        (("auto.offset.reset", "earliest"), ("enable.auto.commit", "true"), ("fetch.min.bytes", "1")),
        type_header="event-type",
    )


def test_subscriptions_match_the_admin_api(tmp_path: Path) -> None:
    files = _files(_program(tmp_path), "shop.stock")
    text = files["kafka-subscriptions.yaml"]
    assert text.startswith(f"{OWNED_MARKER} from ")
    payloads = _subscriptions(text)
    for payload in payloads:
        _validate(payload)
    # Every sink is service://, for objects and workflows too (Restate's form); sorted by sink.
    assert payloads == [
        {
            "source": "kafka://analytics.internal/prices_v2",
            "sink": "service://item/on_price",
            "options": {
                "auto.offset.reset": "earliest",
                "enable.auto.commit": "true",
                "fetch.min.bytes": "1",
            },
        },
        {"source": "kafka://kafka/stock.changes", "sink": "service://restock/on_stock"},
        {"source": "kafka://kafka/stock.changes", "sink": "service://stock/on_changed"},
    ]


def test_the_golden_example_subscriptions_match_the_admin_api() -> None:
    files = ROOT / "examples" / "ftgo" / "src" / "ftgo" / "orders" / "deploy"
    payloads = _subscriptions((files / "kafka-subscriptions.yaml").read_text())
    assert payloads and all(_validate(payload) is None for payload in payloads)


@pytest.mark.parametrize(
    "payload",
    [
        {"source": "kafka://kafka/orders"},
        {"source": "kafka://kafka/orders", "sink": "service://order/on x"},
        {"source": "kafka://kafka/orders", "sink": "service://o/h", "options": {"fetch.min.bytes": 1}},
        {"source": 7, "sink": "service://o/h"},
    ],
)
def test_the_schema_catches_a_bad_payload(payload: dict[str, Any]) -> None:
    """Validation is worth running: a missing sink, a URI with a space, a number as an option fail."""
    with pytest.raises(jsonschema.ValidationError):
        _validate(payload)


def test_register_reads_the_generated_file(tmp_path: Path) -> None:
    text = _files(_program(tmp_path), "shop.stock")["kafka-subscriptions.yaml"]
    path = tmp_path / "kafka-subscriptions.yaml"
    path.write_text(text)
    read = read_subscriptions(path)
    assert [s.model_dump(exclude_defaults=True) for s in read] == _subscriptions(text)
    for bad in (
        "subscriptions: [{source: 'kafka://k/t'}]\n",
        "- a\n",
        "subscriptions: [{sink: x, source: y}]\n",
    ):
        path.write_text(bad)
        with pytest.raises(KafkaSubscriptionError):
            read_subscriptions(path)


def test_cluster_config_is_toml_restate_reads(tmp_path: Path) -> None:
    program = _program(tmp_path)
    text = _files(program, "shop.stock")["restate-kafka.toml"]
    assert text.startswith(f"{OWNED_MARKER} from ")
    # Clusters without brokers in the settings get a broker named like the cluster.
    assert tomllib.loads(text) == {
        "ingress": {
            "kafka-clusters": [
                {"name": "analytics.internal", "brokers": ["PLAINTEXT://analytics.internal:9092"]},
                {"name": "kafka", "brokers": ["PLAINTEXT://kafka:9092"]},
            ]
        }
    }
    settings = DeploySettings(kafka_brokers={"kafka": ["SSL://b1.example.com:9093", "b2.example.com:9093"]})
    configured = tomllib.loads(_files(program, "shop.stock", settings)["restate-kafka.toml"])
    assert configured["ingress"]["kafka-clusters"][1] == {
        "name": "kafka",
        "brokers": ["SSL://b1.example.com:9093", "b2.example.com:9093"],
    }


def test_compose_configures_the_clusters_and_applies_the_subscriptions(tmp_path: Path) -> None:
    files = _files(_program(tmp_path), "shop.stock")
    (document,) = yaml.safe_load_all(files["docker-compose.yaml"])
    clusters = document["services"]["restate"]["environment"]["RESTATE_INGRESS__KAFKA_CLUSTERS"]
    # restate-server reads the variable as a TOML value.
    assert (
        tomllib.loads(f"v = {clusters}")["v"]
        == tomllib.loads(files["restate-kafka.toml"])["ingress"]["kafka-clusters"]
    )
    register = document["services"]["shop-stock-register"]
    (config,) = register["configs"]
    assert register["entrypoint"][-2:] == ["--subscriptions", config["target"]]
    content = document["configs"][config["source"]]["content"]
    assert content.replace("$$", "$") == files["kafka-subscriptions.yaml"].split("\n", 1)[1]


def test_without_the_target_or_bindings_there_are_no_kafka_files(tmp_path: Path) -> None:
    program = _program(tmp_path)
    off = _files(program, "shop.stock", DeploySettings(targets=["compose", "register"]))
    assert sorted(off) == ["docker-compose.yaml", "register.sh"]
    assert "--subscriptions" not in off["register.sh"] and "KAFKA" not in off["docker-compose.yaml"]
    plain = _program(
        tmp_path, "restagen: 1\npackage: shop.plain\nservices:\n  plain:\n    handlers:\n      ping: {}\n"
    )
    files = _files(plain, "shop.plain")
    assert "kafka-subscriptions.yaml" not in files and "KAFKA" not in files["docker-compose.yaml"]


def test_hostile_names_cannot_add_structure(tmp_path: Path) -> None:
    """Even with the checks bypassed, a name stays one string of the TOML, the YAML and the env value."""
    program = _program(tmp_path)
    package = program.package("shop.stock")
    evil = 'x"\n[evil]\nkey = "1'
    binding = ir.KafkaBinding(
        't"\n- sink: service://evil/h', evil, (("a.b", "c'\n  evil: 1 #$(touch pwned)"),)
    )
    component = package.components[0]
    handler = component.handlers[0]
    hostile = ir.Package(
        package.name,
        package.source,
        package.types,
        events=package.events,
        components=(
            ir.Component(
                component.kind,
                component.name,
                (ir.Handler(**{**handler.__dict__, "kafka": binding}),),
                py_name=component.py_name,
            ),
        ),
    )
    settings = DeploySettings.model_construct(
        **{**DeploySettings().model_dump(), "kafka_brokers": {"k": ['b"]\n[evil]\nx = ["1']}}
    )
    files = _files(ir.Program((hostile,)), "shop.stock", settings)
    config = tomllib.loads(files["restate-kafka.toml"])
    assert list(config) == ["ingress"]
    assert config["ingress"]["kafka-clusters"] == [
        {"name": "k", "brokers": ['b"]\n[evil]\nx = ["1']},
        {"name": evil, "brokers": [f"PLAINTEXT://{evil}:9092"]},
    ]
    (subscription,) = _subscriptions(files["kafka-subscriptions.yaml"])
    assert subscription["options"] == dict(binding.options)
    assert subscription["source"] == f"kafka://{evil}/{binding.topic}"
    (compose,) = yaml.safe_load_all(files["docker-compose.yaml"])
    env = compose["services"]["restate"]["environment"]["RESTATE_INGRESS__KAFKA_CLUSTERS"]
    assert tomllib.loads(f"v = {env}")["v"] == config["ingress"]["kafka-clusters"]
    content = compose["configs"]["shop-stock-kafka-subscriptions"]["content"]
    assert "$$(touch pwned)" in content
    assert content.replace("$$", "$") == files["kafka-subscriptions.yaml"].split("\n", 1)[1]


@pytest.mark.parametrize("value", ["plain", 'quote " and \\ backslash', "tab\tnewline\n\x7f", "ünïcode"])
def test_toml_strings_round_trip(value: str) -> None:
    assert tomllib.loads(f"v = {toml_string(value)}")["v"] == value
    assert tomllib.loads(f"v = {cluster_env({value: [value]})}")["v"] == [{"name": value, "brokers": [value]}]


@pytest.mark.parametrize(
    "brokers",
    [
        {"my_cluster": ["kafka:9092"]},
        {"kafka": []},
        {"kafka": ["kafka"]},
        {"kafka": ['kafka:9092"]\n[evil]']},
        {"kafka": ["http://x:9092/path"]},
    ],
)
def test_settings_reject_bad_brokers(brokers: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError):
        DeploySettings(kafka_brokers=brokers)


def test_project_configuration_reads_kafka_brokers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.restagen.deploy]
            kafka_brokers = {kafka = ["PLAINTEXT://kafka-0:9092", "[::1]:9092"], analytics = ["a:9092"]}
            """
        )
    )
    project = find_project(tmp_path)
    assert project is not None
    assert project.deploy.kafka_brokers == {
        "analytics": ["a:9092"],
        "kafka": ["PLAINTEXT://kafka-0:9092", "[::1]:9092"],
    }
    (tmp_path / "pyproject.toml").write_text(
        '[tool.restagen.deploy]\nkafka_brokers = {kafka = ["no port"]}\n'
    )
    with pytest.raises(ProjectConfigError, match="kafka_brokers"):
        find_project(tmp_path)


def test_register_needs_an_endpoint_or_subscriptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["register", "--admin", "http://127.0.0.1:9"]) == 1
    assert "nothing to register" in capsys.readouterr().err


def test_register_checks_the_subscriptions_file_before_registering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kafka-subscriptions.yaml"
    path.write_text("subscriptions:\n  - {source: 'kafka://kafka/t', sink: 'order/on_placed'}\n")
    arguments = ["--admin", "http://127.0.0.1:9", "--uri", "http://127.0.0.1:9", "--subscriptions", str(path)]
    assert main(["register", *arguments]) == 1
    error = " ".join(capsys.readouterr().err.split())
    assert "is not a list of subscriptions" in error and "sink" in error
    assert "registered" not in error and "Traceback" not in error
