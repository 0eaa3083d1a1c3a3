"""restagen: schema-first services, objects, workflows, events and sagas on Restate."""

__version__ = "0.1.0"

__all__ = ["__version__"]
