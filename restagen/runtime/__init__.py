"""The restagen runtime: what generated code imports at run time.

It depends on `restate-sdk`, pydantic and httpx only, never on the compiler.
"""

from restagen.runtime.errors import DeclaredError, HandlerNotImplemented
from restagen.runtime.model import Model

__all__ = ["DeclaredError", "HandlerNotImplemented", "Model"]
