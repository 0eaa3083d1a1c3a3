"""Testing restagen services: a fake context for handler unit tests, saga test kits.

The modules behind these names are private.
"""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.testing._context import FakeAwakeable, FakeCall, FakeContext, FakeContextError
    from restagen.testing._sagas import SagaCall, SagaServerKit, SagaTestError, SagaTestKit
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "FakeAwakeable",
    "FakeCall",
    "FakeContext",
    "FakeContextError",
    "SagaCall",
    "SagaServerKit",
    "SagaTestError",
    "SagaTestKit",
]
