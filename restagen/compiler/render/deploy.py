"""The deployment files of a package's endpoint, in `<package>/deploy/`.

- `Dockerfile`: the endpoint's image, built in the output folder: the runtime (`pip install
  restagen==<this version>`, with the extras the package needs) and the generated packages with
  their implementations, started with `restagen serve`, as the files below start it;
- `kubernetes.yaml`: a Deployment and a Service (HTTP/2 cleartext) running the endpoint;
- `restate-deployment.yaml`: the same pods as a restate-operator `RestateDeployment`, which the
  operator registers and versions itself;
- `docker-compose.yaml`: a local stack of restate-server, the endpoint and a one-shot registration;
- `register.sh`: registers the endpoint with a Restate admin API through `restagen register`;
- `kafka-subscriptions.yaml` and `restate-kafka.toml`, for packages with handlers bound to Kafka
  topics: the Restate subscriptions (applied by `register.sh` and the compose stack) and the
  cluster configuration restate-server needs for them (see `render.kafka`);
- with the `cluster` target, `restate-cluster.yaml` and `docker-compose.cluster.yaml`: a Restate
  cluster of several nodes, for the operator and for compose (see `render.deploy_cluster`).

Documents are built as data and written by a YAML serializer, and shell words are quoted, so no
setting can add structure to a file (see `deploy.DeploySettings`). Packages without services,
objects or workflows have no endpoint and get no deploy folder.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import yaml

from restagen import __version__
from restagen.compiler import ir
from restagen.compiler.render import deploy_cluster, kafka
from restagen.compiler.render.deploy_settings import DeploySettings, image_for, is_image, resource_name
from restagen.compiler.render.header import header
from restagen.compiler.render.templates import render_template

__all__ = ["render_deploy"]

_PORT_NAME = "restate"  # the restate-operator registers the container port of this name
_RESTATE_SERVICE = "restate"  # the restate-server of the compose stack
_SUBSCRIPTIONS = "kafka-subscriptions.yaml"


class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key, no aliases: plain files for humans."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text (an inline config's content) as a literal block; the emitter quotes it
    # instead when a block cannot hold it exactly.
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def _yaml(package: ir.Package, summary: str, documents: list[dict[str, Any]], *, owned: bool = True) -> str:
    """The YAML file of `documents` under the comment `summary`; `owned`: with the header line."""
    body = yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=False,
        explicit_start=len(documents) > 1,
        width=100,
    )
    comments = "".join(f"# {line}\n" for line in summary.splitlines())
    return f"{header(package)}\n{comments}{body}" if owned else f"{comments}{body}"


def _labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "restagen"}


def _selector(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name}


def _serve(package: ir.Package, settings: DeploySettings) -> list[str]:
    return [
        "restagen",
        "serve",
        f"{package.name}.main:app",
        "--host",
        "0.0.0.0",
        "--port",
        str(settings.port),
    ]


def _extras(package: ir.Package) -> list[str]:
    """The extras of restagen the endpoint imports: `bson` for BSON codecs, `sse` for events (their
    typed subscriber, and the SSE hub an endpoint runs when its configuration asks for one)."""
    extras = []
    if package.events or any(h.subscribe for c in package.components for h in c.handlers):
        extras.append("sse")
    serdes = {package.serde, *(c.options.serde for c in package.components)}
    serdes |= {h.options.serde for c in package.components for h in c.handlers}
    serdes |= {s.options.serde for s in package.sagas}
    if "bson" in serdes:
        extras.append("bson")
    return sorted(extras)


def _comment(value: str) -> str:
    """`value` shell-quoted for a comment line, its control characters escaped so that it stays one."""
    return shlex.quote(value).encode("unicode_escape").decode("ascii")


def _dockerfile(package: ir.Package, settings: DeploySettings) -> str:
    # FROM is the one instruction whose value cannot be quoted: only an image reference goes there.
    if not is_image(settings.python_image):
        raise ValueError(f"python_image {settings.python_image!r} is not an image reference")
    extras = _extras(package)
    runtime = f"restagen{'[' + ','.join(extras) + ']' if extras else ''}=={__version__}"
    install = ["pip", "install", "--no-cache-dir", runtime, *settings.requirements]
    return render_template(
        "deploy/Dockerfile.jinja",
        header=header(package),
        package=package,
        top=package.name.split(".")[0],
        dockerfile=package.name.replace(".", "/") + "/deploy/Dockerfile",
        image=_comment(image_for(settings.image, package.name)),
        python_image=settings.python_image,
        # Exec form (JSON arrays): no shell reads the values, and JSON escapes any of their characters.
        install=json.dumps(install),
        port=settings.port,
        command=json.dumps(_serve(package, settings)),
    )


def _metadata(name: str, settings: DeploySettings) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if settings.namespace is not None:
        metadata["namespace"] = settings.namespace
    metadata["labels"] = _labels(name)
    return metadata


def _pod_template(package: ir.Package, settings: DeploySettings) -> dict[str, Any]:
    name = resource_name(package.name)
    container = {
        "name": "endpoint",
        "image": image_for(settings.image, package.name),
        "command": _serve(package, settings),
        "ports": [{"name": _PORT_NAME, "containerPort": settings.port, "protocol": "TCP"}],
        # The SDK answers GET /health (HTTP/1.1 too) without request signing: ready once it serves.
        "readinessProbe": {
            "httpGet": {"path": "/health", "port": _PORT_NAME},
            "periodSeconds": 5,
        },
        "livenessProbe": {
            "tcpSocket": {"port": _PORT_NAME},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
        },
    }
    return {"metadata": {"labels": _labels(name)}, "spec": {"containers": [container]}}


def _kubernetes(package: ir.Package, settings: DeploySettings) -> str:
    name = resource_name(package.name)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, settings),
        "spec": {
            "replicas": settings.replicas,
            "selector": {"matchLabels": _selector(name)},
            "template": _pod_template(package, settings),
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, settings),
        "spec": {
            "selector": _selector(name),
            "ports": [
                {
                    "name": _PORT_NAME,
                    "port": settings.port,
                    "targetPort": _PORT_NAME,
                    "protocol": "TCP",
                    "appProtocol": "kubernetes.io/h2c",
                }
            ],
        },
    }
    summary = (
        f"The endpoint of package {package.name}: a Deployment and its Service (HTTP/2 cleartext).\n"
        f"Register it with Restate afterwards (register.sh), or use restate-deployment.yaml instead."
    )
    return _yaml(package, summary, [deployment, service])


def _operator(package: ir.Package, settings: DeploySettings) -> str:
    name = resource_name(package.name)
    register: dict[str, str] = (
        {"url": settings.operator_admin_url}
        if settings.operator_admin_url is not None
        else {"cluster": settings.operator_cluster}
    )
    resource = {
        "apiVersion": "restate.dev/v1beta1",
        "kind": "RestateDeployment",
        "metadata": _metadata(name, settings),
        "spec": {
            "replicas": settings.replicas,
            "restate": {"register": register},
            "selector": {"matchLabels": _selector(name)},
            "template": _pod_template(package, settings),
        },
    }
    summary = (
        f"The endpoint of package {package.name} for the restate-operator, which creates its pods and\n"
        f"Service per version and registers each version with Restate."
    )
    return _yaml(package, summary, [resource])


def _kafka(package: ir.Package, settings: DeploySettings) -> bool:
    """Whether the package's files include its Kafka subscriptions."""
    return "kafka" in settings.targets and kafka.has_bindings(package)


def _compose(package: ir.Package, settings: DeploySettings) -> str:
    name = resource_name(package.name)
    image = image_for(settings.image, package.name)
    endpoint_url = f"http://{name}:{settings.port}"
    environment = {"RESTATE_NODE_NAME": "restate-1"}
    clusters = kafka.clusters(package, settings) if "kafka" in settings.targets else {}
    if clusters:
        environment[kafka.CLUSTERS_ENV] = kafka.cluster_env(clusters)
    register = [
        "restagen",
        "register",
        "--admin",
        f"http://{_RESTATE_SERVICE}:9070",
        "--uri",
        endpoint_url,
        "--timeout",
        "120",
    ]
    registration: dict[str, Any] = {"image": image, "entrypoint": register}
    document: dict[str, Any] = {}
    if _kafka(package, settings):
        # The subscriptions travel inside this file (an inline config), so that the files of
        # several packages combine without paths relative to one of them.
        config = f"{name}-kafka-subscriptions"
        target = f"/etc/restagen/{config}.yaml"
        register += ["--subscriptions", target]
        registration["configs"] = [{"source": config, "target": target}]
        # Compose interpolates `$` in every value: `$$` is a literal one. The content goes without
        # the header line, which this file has already.
        content = _subscriptions(package, settings, owned=False).replace("$", "$$")
        document["configs"] = {config: {"content": content}}
    registration |= {"depends_on": [_RESTATE_SERVICE, name], "restart": "no"}
    services: dict[str, Any] = {
        _RESTATE_SERVICE: {
            "image": f"{settings.restate_image}:{settings.restate_version}",
            "environment": environment,
            "ports": ["8080:8080", "9070:9070"],
            "volumes": ["restate-data:/restate-data"],
        },
        name: {"image": image, "entrypoint": _serve(package, settings)},
        f"{name}-register": registration,
    }
    summary = (
        f"A local stack for package {package.name}: restate-server (ingress :8080, admin :9070), the\n"
        f"endpoint, and a one-shot registration of the endpoint. Files of several packages combine:\n"
        f"docker compose -f <one>/deploy/docker-compose.yaml -f <other>/deploy/docker-compose.yaml up"
    )
    if _kafka(package, settings):
        summary += (
            "\nThe registration also creates the package's Kafka subscriptions (kafka-subscriptions.yaml)."
        )
    return _yaml(package, summary, [{"services": services, "volumes": {"restate-data": {}}, **document}])


def _register(package: ir.Package, settings: DeploySettings) -> str:
    name = resource_name(package.name)
    host = f"{name}.{settings.namespace}.svc" if settings.namespace is not None else name
    return render_template(
        "deploy/register.sh.jinja",
        header=header(package),
        package=package,
        admin_url=shlex.quote(settings.admin_url),
        endpoint_url=shlex.quote(f"http://{host}:{settings.port}"),
        subscriptions=shlex.quote(_SUBSCRIPTIONS) if _kafka(package, settings) else None,
    )


def _subscriptions(package: ir.Package, settings: DeploySettings, *, owned: bool = True) -> str:
    summary = (
        f"The Kafka subscriptions of package {package.name}: each item is the body of a request\n"
        f"POST <admin>/subscriptions to Restate's admin API. register.sh applies them with\n"
        f"`restagen register --subscriptions`, which skips those that exist already. The clusters\n"
        f"they name must be configured in restate-server (restate-kafka.toml)."
    )
    return _yaml(package, summary, [{"subscriptions": kafka.subscriptions(package)}], owned=owned)


def _cluster_config(package: ir.Package, settings: DeploySettings) -> str:
    return kafka.cluster_config(package, settings, header(package))


def _restate_cluster(package: ir.Package, settings: DeploySettings) -> str:
    return _yaml(package, *deploy_cluster.operator_cluster(package, settings))


def _compose_cluster(package: ir.Package, settings: DeploySettings) -> str:
    return _yaml(package, *deploy_cluster.compose_cluster(package, settings))


_RENDERERS = {
    "docker": ("Dockerfile", _dockerfile),
    "kubernetes": ("kubernetes.yaml", _kubernetes),
    "operator": ("restate-deployment.yaml", _operator),
    "compose": ("docker-compose.yaml", _compose),
    "register": ("register.sh", _register),
}


def render_deploy(package: ir.Package, settings: DeploySettings) -> dict[str, str]:
    """The deploy files of `package` (none when it serves nothing), by path."""
    if not package.components and not package.sagas:
        return {}
    base = package.name.replace(".", "/") + "/deploy"
    files = {}
    for target in settings.targets:
        if target == "kafka":
            if _kafka(package, settings):
                files[f"{base}/{_SUBSCRIPTIONS}"] = _subscriptions(package, settings)
                files[f"{base}/restate-kafka.toml"] = _cluster_config(package, settings)
            continue
        if target == "cluster":
            files[f"{base}/restate-cluster.yaml"] = _restate_cluster(package, settings)
            files[f"{base}/docker-compose.cluster.yaml"] = _compose_cluster(package, settings)
            continue
        filename, render = _RENDERERS[target]
        files[f"{base}/{filename}"] = render(package, settings)
    return files
