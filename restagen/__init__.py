"""restagen: schema-first services, objects, workflows, events and sagas on Restate."""

from restagen.decorators import Error, event, handler, object, service, workflow

__version__ = "0.1.0"

__all__ = ["Error", "__version__", "event", "handler", "object", "service", "workflow"]
