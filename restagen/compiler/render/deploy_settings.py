"""Deployment settings: the `[tool.restagen.deploy]` table, which shapes the files of `<package>/deploy/`.

Every value is checked here, before rendering, against what the target formats accept (Kubernetes
names, image references, ports), so that a mistake is reported as a configuration error rather
than found by `kubectl`. The renderers do not rely on these checks for safety: they emit values
through a YAML serializer and shell quoting, so no value can add structure to a file.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from restagen.compiler.resolve.kafka import check_broker, check_cluster

__all__ = ["DEFAULT_TARGETS", "TARGETS", "DeploySettings", "Target", "image_for", "is_image", "resource_name"]

Target = Literal["docker", "kubernetes", "operator", "compose", "register", "kafka", "cluster"]
TARGETS: tuple[Target, ...] = ("docker", "kubernetes", "operator", "compose", "register", "kafka", "cluster")
DEFAULT_TARGETS: tuple[Target, ...] = TARGETS[:-1]
"""What is written unless `targets` says otherwise: a cluster's files only on request."""

# A DNS-1123 label (what Kubernetes accepts as a namespace or a RestateCluster name).
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
# The characters of an OCI image reference (registry[:port]/path[:tag][@digest]); `{name}` and
# `{package}` are substituted before this is checked.
_IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]*")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# A requirement as pip reads it (PEP 508): a name first, never an option such as `--index-url`.
_REQUIREMENT = re.compile(r"[A-Za-z0-9][^\x00-\x1f\x7f]*")
_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+")


def resource_name(package: str) -> str:
    """The Kubernetes and compose name of a package's endpoint: `shop.orders` -> `shop-orders`."""
    name = re.sub(r"[^a-z0-9]+", "-", package.lower()).strip("-")
    return name[:63].rstrip("-") or "endpoint"


class DeploySettings(BaseModel):
    """What the deployment files say; each field is documented in docs/deploy.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: list[Target] = Field(default_factory=lambda: list(DEFAULT_TARGETS))
    image: str = "{name}:latest"
    python_image: str = "python:3.12-slim"
    requirements: list[str] = Field(default_factory=list)
    replicas: Annotated[int, Field(ge=0)] = 1
    namespace: str | None = None
    port: Annotated[int, Field(ge=1, le=65535)] = 9080
    restate_image: str = "docker.restate.dev/restatedev/restate"
    restate_version: str = "1.7.12"
    operator_cluster: str = "restate"
    operator_admin_url: str | None = None
    admin_url: str = "http://localhost:9070"
    kafka_brokers: dict[str, list[str]] = Field(default_factory=dict)
    cluster_nodes: Annotated[int, Field(ge=1)] = 3
    cluster_replication: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _replication(self) -> DeploySettings:
        if self.cluster_replication is not None and self.cluster_replication > self.cluster_nodes:
            raise ValueError(
                f"cluster_replication ({self.cluster_replication}) cannot exceed cluster_nodes ({self.cluster_nodes})"
            )
        return self

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[Target]) -> list[Target]:
        return [target for target in TARGETS if target in value]

    @field_validator("image", "restate_image", "python_image")
    @classmethod
    def _image(cls, value: str) -> str:
        if not is_image(image_for(value, "shop.orders")):
            raise ValueError(f"{value!r} is not an image reference (registry/name:tag)")
        return value

    @field_validator("requirements")
    @classmethod
    def _requirements(cls, value: list[str]) -> list[str]:
        for requirement in value:
            if not _REQUIREMENT.fullmatch(requirement):
                raise ValueError(f"{requirement!r} is not a requirement (a name, then versions or extras)")
        return value

    @field_validator("namespace", "operator_cluster")
    @classmethod
    def _label(cls, value: str | None) -> str | None:
        if value is not None and not _LABEL.fullmatch(value):
            raise ValueError(f"{value!r} is not a Kubernetes name (lowercase letters, digits and '-')")
        return value

    @field_validator("restate_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION.fullmatch(value):
            raise ValueError(f"{value!r} is not an image tag")
        return value

    @field_validator("kafka_brokers")
    @classmethod
    def _kafka_brokers(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for cluster, brokers in value.items():
            problem = check_cluster(cluster)
            if problem is not None:
                raise ValueError(f"{problem[0]} ({problem[1]})")
            if not brokers:
                raise ValueError(f"cluster {cluster!r} lists no brokers")
            for broker in brokers:
                problem = check_broker(broker)
                if problem is not None:
                    raise ValueError(f"{problem[0]} ({problem[1]})")
        return dict(sorted(value.items()))

    @field_validator("admin_url", "operator_admin_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not _URL.fullmatch(value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


def is_image(value: str) -> bool:
    """Whether `value` is made only of the characters of an image reference."""
    return _IMAGE.fullmatch(value) is not None


def image_for(image: str, package: str) -> str:
    """The image of a package's endpoint: `{name}` and `{package}` in `image` filled in."""
    return image.replace("{name}", resource_name(package)).replace("{package}", package)
