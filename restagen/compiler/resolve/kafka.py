"""Kafka bindings: what an event handler's `kafka:` key may name, and how Restate addresses it.

A binding becomes a Restate subscription, `POST <admin>/subscriptions` with the body
`{"source": "kafka://<cluster>/<topic>", "sink": "service://<component>/<handler>", "options"}`.
The rules here are those of Kafka (topic names) and Restate (a cluster name is a hostname), so that
a name the server or the broker would refuse is reported at its place in the schema instead.
"""

from __future__ import annotations

import re

__all__ = [
    "DEFAULT_CLUSTER",
    "Problem",
    "check_broker",
    "check_cluster",
    "check_option",
    "check_topic",
    "default_brokers",
    "sink_uri",
    "source_uri",
]

DEFAULT_CLUSTER = "kafka"
"""The cluster of a binding that names none."""

# Kafka's own rule (kafka.common.internals.Topic): at most 249 of these, and not "." or "..".
_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,249}")
# Restate parses a cluster name as a URI authority and documents it as a hostname (RFC 1123).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_CLUSTER = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
# librdkafka property names: lowercase words separated by dots or underscores (`auto.offset.reset`).
_OPTION = re.compile(r"[a-z][a-z0-9]*(?:[._][a-z0-9]+)*")
# A broker as librdkafka takes it: `host:port`, optionally with a protocol (`PLAINTEXT://host:9092`).
_BROKER = re.compile(r"(?:[A-Za-z_]+://)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}")


Problem = tuple[str, str]
"""What is wrong, and a hint."""


def check_topic(name: str) -> Problem | None:
    """Why `name` is not a Kafka topic name, or None."""
    if not _TOPIC.fullmatch(name) or name in (".", ".."):
        return (
            f"'{name}' is not a Kafka topic name",
            "letters, digits, '.', '_' and '-', at most 249 characters, not '.' or '..'",
        )
    return None


def check_cluster(name: str) -> Problem | None:
    """Why `name` is not a Restate Kafka cluster name, or None."""
    if len(name) > 253 or not _CLUSTER.fullmatch(name):
        return (
            f"'{name}' is not a Kafka cluster name",
            "Restate takes a hostname: letters, digits and '-', in labels separated by '.'",
        )
    return None


def check_option(key: str) -> Problem | None:
    """Why `key` is not a librdkafka property name, or None."""
    if not _OPTION.fullmatch(key):
        return (
            f"'{key}' is not a Kafka consumer property",
            "librdkafka's names are lowercase words joined by '.' or '_', such as 'auto.offset.reset'",
        )
    return None


def check_broker(address: str) -> Problem | None:
    """Why `address` is not a broker address (`PLAINTEXT://kafka:9092`, `kafka:9092`), or None."""
    if not _BROKER.fullmatch(address):
        return (
            f"{address!r} is not a Kafka broker address",
            "host:port, optionally with a protocol first: PLAINTEXT://kafka:9092",
        )
    return None


def default_brokers(cluster: str) -> list[str]:
    """The brokers of a cluster the settings do not list: a host named like the cluster."""
    return [f"PLAINTEXT://{cluster}:9092"]


def source_uri(cluster: str, topic: str) -> str:
    return f"kafka://{cluster}/{topic}"


def sink_uri(component: str, handler: str) -> str:
    # Restate writes every sink as service://, for services, objects and workflows alike.
    return f"service://{component}/{handler}"
