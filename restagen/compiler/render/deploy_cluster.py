"""The deployment files of a Restate cluster beside a package's endpoint (the `cluster` target).

- `restate-cluster.yaml`: the restate-operator's `RestateCluster` of `cluster_nodes` nodes, named
  `operator_cluster` (the cluster `restate-deployment.yaml` registers with), every node with
  every role, the log replicated on `cluster_replication` nodes (default: a majority, 2 of 3) and
  the Raft metadata store; the operator provisions it.
- `docker-compose.cluster.yaml`: the same cluster as a compose stack (`restate-1` ...
  `restate-N`, the first one provisioning), the endpoint, whose ingress clients get every node's
  ingress to fail over among, and a one-shot registration through the first node.

A cluster is worth its cost when the loss of one machine must not stop the services: see
docs/deploy.md and docs/scaling.md. Like the other deploy files, the documents are data written
by a YAML serializer, and TOML strings are escaped, so no setting can add structure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from restagen.compiler import ir
from restagen.compiler.render.deploy_settings import DeploySettings, image_for, resource_name
from restagen.compiler.render.kafka import toml_string

__all__ = ["ROLES", "cluster_replication", "compose_cluster", "node_environment", "operator_cluster"]

ROLES = ("metadata-server", "admin", "worker", "log-server", "http-ingress")
_NODE_PORT = 5122
_STORAGE_BYTES = 2 * 1024**3


def cluster_replication(settings: DeploySettings) -> int:
    """Nodes that keep each log record: the setting, or a majority of the nodes."""
    return settings.cluster_replication or max(1, (settings.cluster_nodes + 1) // 2)


def _toml_list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(toml_string(value) for value in values) + "]"


def _operator_config(settings: DeploySettings) -> str:
    # The operator runs the nodes as the pods restate-0 ... of a StatefulSet behind the headless
    # Service restate-cluster.
    addresses = [f"http://restate-{n}.restate-cluster:{_NODE_PORT}" for n in range(settings.cluster_nodes)]
    return "\n".join(
        [
            f"roles = {_toml_list(ROLES)}",
            "# The operator provisions the cluster (spec.cluster.autoProvision): no node may.",
            "auto-provision = false",
            f"default-replication = {cluster_replication(settings)}",
            "",
            "[bifrost]",
            'default-provider = "replicated"',
            "",
            "[metadata-client]",
            f"addresses = {_toml_list(addresses)}",
            "",
        ]
    )


def operator_cluster(package: ir.Package, settings: DeploySettings) -> tuple[str, list[dict[str, Any]]]:
    """The summary and the `RestateCluster` document."""
    name = settings.operator_cluster
    resource = {
        "apiVersion": "restate.dev/v1",
        "kind": "RestateCluster",
        "metadata": {
            "name": name,
            "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "restagen"},
        },
        "spec": {
            "cluster": {"autoProvision": True},
            "compute": {
                "image": f"{settings.restate_image}:{settings.restate_version}",
                "replicas": settings.cluster_nodes,
            },
            "storage": {"storageRequestBytes": _STORAGE_BYTES},
            "config": _operator_config(settings),
        },
    }
    summary = (
        f"A Restate cluster of {settings.cluster_nodes} nodes for the restate-operator, each log record on\n"
        f"{cluster_replication(settings)} of them; restate-deployment.yaml registers package {package.name}"
        f" with it\n(operator_cluster). The operator runs it in a namespace of its name: {name}."
    )
    return summary, [resource]


def node_environment(
    settings: DeploySettings,
    index: int,
    address: Callable[[int], str] = lambda n: f"http://restate-{n}:{_NODE_PORT}",
) -> dict[str, str]:
    """restate-server's settings for node `index` (from 1) of the compose cluster, as environment;
    `address(n)` is the address node n is reached at by the others."""
    addresses = [address(n) for n in range(1, settings.cluster_nodes + 1)]
    return {
        "RESTATE_NODE_NAME": f"restate-{index}",
        "RESTATE_CLUSTER_NAME": settings.operator_cluster,
        "RESTATE_ROLES": _toml_list(ROLES),
        "RESTATE_AUTO_PROVISION": "true" if index == 1 else "false",
        "RESTATE_DEFAULT_REPLICATION": str(cluster_replication(settings)),
        "RESTATE_ADVERTISED_ADDRESS": addresses[index - 1],
        "RESTATE_METADATA_CLIENT__ADDRESSES": _toml_list(addresses),
        "RESTATE_BIFROST__DEFAULT_PROVIDER": "replicated",
    }


def compose_cluster(package: ir.Package, settings: DeploySettings) -> tuple[str, list[dict[str, Any]]]:
    """The summary and the compose document of the cluster stack."""
    name = resource_name(package.name)
    image = image_for(settings.image, package.name)
    nodes = [f"restate-{n}" for n in range(1, settings.cluster_nodes + 1)]
    services: dict[str, Any] = {}
    for index, node in enumerate(nodes, start=1):
        service: dict[str, Any] = {
            "image": f"{settings.restate_image}:{settings.restate_version}",
            "environment": node_environment(settings, index),
            # The first node's ingress on 8080 and admin API on 9070; the others' ingress next to it.
            "ports": [f"{8079 + index}:8080"] + (["9070:9070"] if index == 1 else []),
            "volumes": [f"{node}-data:/restate-data"],
        }
        services[node] = service
    serve = [
        "restagen",
        "serve",
        f"{package.name}.main:app",
        "--host",
        "0.0.0.0",
        "--port",
        str(settings.port),
    ]
    services[name] = {
        "image": image,
        "entrypoint": serve,
        # Injected ingress clients (and publishers) fail over among the nodes' ingresses.
        "environment": {"RESTAGEN_INGRESS__URL": json.dumps([f"http://{node}:8080" for node in nodes])},
    }
    register = ["restagen", "register", "--admin", f"http://{nodes[0]}:9070"]
    register += ["--uri", f"http://{name}:{settings.port}", "--timeout", "120"]
    services[f"{name}-register"] = {
        "image": image,
        "entrypoint": register,
        "depends_on": [*nodes, name],
        "restart": "no",
    }
    summary = (
        f"A local Restate cluster of {settings.cluster_nodes} nodes (restate-1 provisions it; ingress on "
        f":8080 and up,\nadmin :9070), the endpoint of package {package.name}, and a one-shot "
        "registration of the endpoint.\ndocker compose -f docker-compose.cluster.yaml up"
    )
    volumes: dict[str, dict[str, Any]] = {f"{node}-data": {} for node in nodes}
    return summary, [{"services": services, "volumes": volumes}]
