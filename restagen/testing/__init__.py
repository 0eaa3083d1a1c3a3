"""Testing restagen services: an app served on a real restate-server (or a cluster) with typed clients, a fake
context for handler unit tests, and saga test kits.

The modules behind these names are private.
"""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.local.cluster import LocalCluster
    from restagen.local.server import LocalRestate
    from restagen.testing._context import FakeCall, FakeContext
    from restagen.testing._futures import FakeAwakeable, FakeContextError
    from restagen.testing._sagas import SagaCall, SagaServerKit, SagaTestError, SagaTestKit
    from restagen.testing._serve import ServedApp, Serving, serve
    from restagen.testing._server import local_cluster, local_restate
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "FakeAwakeable",
    "FakeCall",
    "FakeContext",
    "FakeContextError",
    "LocalCluster",
    "LocalRestate",
    "SagaCall",
    "SagaServerKit",
    "SagaTestError",
    "SagaTestKit",
    "ServedApp",
    "Serving",
    "local_cluster",
    "local_restate",
    "serve",
]
