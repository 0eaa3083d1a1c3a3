"""The Kafka subscriptions of a package's event handlers, and the cluster configuration they need.

- `subscriptions`: per handler with a `kafka:` binding, the body of the admin API's
  `POST /subscriptions` (`deploy/kafka-subscriptions.yaml` lists them, `restagen register
  --subscriptions` applies them);
- `cluster_config`: restate-server's `[[ingress.kafka-clusters]]` tables for the clusters they
  read from (`deploy/restate-kafka.toml`), and `cluster_env`, the same as the value of the
  `RESTATE_INGRESS__KAFKA_CLUSTERS` variable (the compose stack's restate-server).

The clusters of a package are those of the `kafka_brokers` setting and those its bindings name;
a cluster the setting does not list gets the placeholder broker `PLAINTEXT://<cluster>:9092`.
Strings reach the TOML through `toml_string`, never raw, so no name or setting adds a key or table.
"""

from __future__ import annotations

from typing import Any

from restagen.compiler import ir
from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.compiler.resolve.kafka import default_brokers, sink_uri, source_uri

__all__ = [
    "CLUSTERS_ENV",
    "cluster_config",
    "cluster_env",
    "clusters",
    "has_bindings",
    "subscriptions",
    "toml_string",
]

CLUSTERS_ENV = "RESTATE_INGRESS__KAFKA_CLUSTERS"


def has_bindings(package: ir.Package) -> bool:
    return any(handler.kafka is not None for c in package.components for handler in c.handlers)


def subscriptions(package: ir.Package) -> list[dict[str, Any]]:
    """The `POST /subscriptions` bodies of the package's bindings, sorted by sink then source."""
    bodies = []
    for component in package.components:
        for handler in component.handlers:
            binding = handler.kafka
            if binding is None:
                continue
            body: dict[str, Any] = {
                "source": source_uri(binding.cluster, binding.topic),
                "sink": sink_uri(component.name, handler.name),
            }
            if binding.options:
                body["options"] = dict(binding.options)
            bodies.append(body)
    return sorted(bodies, key=lambda body: (body["sink"], body["source"]))


def clusters(package: ir.Package, settings: DeploySettings) -> dict[str, list[str]]:
    """The clusters restate-server needs for the package: configured ones and those bound to."""
    result = {name: list(brokers) for name, brokers in settings.kafka_brokers.items()}
    for component in package.components:
        for handler in component.handlers:
            if handler.kafka is not None and handler.kafka.cluster not in result:
                result[handler.kafka.cluster] = default_brokers(handler.kafka.cluster)
    return dict(sorted(result.items()))


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = []
    for char in value:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _brokers(brokers: list[str]) -> str:
    return "[" + ", ".join(toml_string(broker) for broker in brokers) + "]"


def cluster_config(package: ir.Package, settings: DeploySettings, header: str) -> str:
    lines = [
        header,
        f"# The Kafka clusters of the subscriptions of package {package.name}, for restate-server's",
        "# configuration: restate-server --config-file restate-kafka.toml, or merge the tables into your",
        "# own file. Brokers come from `kafka_brokers` in [tool.restagen.deploy].",
    ]
    for name, brokers in clusters(package, settings).items():
        lines += ["", "[[ingress.kafka-clusters]]", f"name = {toml_string(name)}"]
        lines.append(f"brokers = {_brokers(brokers)}")
    return "\n".join(lines) + "\n"


def cluster_env(configured: dict[str, list[str]]) -> str:
    """The clusters as restate-server reads them from `RESTATE_INGRESS__KAFKA_CLUSTERS`."""
    tables = [
        f"{{name={toml_string(name)},brokers={_brokers(brokers)}}}" for name, brokers in configured.items()
    ]
    return "[" + ",".join(tables) + "]"
