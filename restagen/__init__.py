"""restagen: schema-first services, objects, workflows, events and sagas on Restate."""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.decorators import Error, event, handler, object, saga, service, step, workflow
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__version__ = "0.1.0"

__all__ = ["Error", "__version__", "event", "handler", "object", "saga", "service", "step", "workflow"]
