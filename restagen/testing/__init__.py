"""Testing restagen services: saga test kits, against mocked participants or a real server.

The modules behind these names are private.
"""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.testing._sagas import SagaCall, SagaServerKit, SagaTestError, SagaTestKit
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = ["SagaCall", "SagaServerKit", "SagaTestError", "SagaTestKit"]
