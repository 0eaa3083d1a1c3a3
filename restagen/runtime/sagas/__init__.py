"""Sagas: steps with compensation, run durably as a workflow, and their typed clients.

Generated `sagas` modules subclass `Saga` per saga and declare its `SagaSpec`; `SagaClient`,
`SyncSagaClient` and `SagaContextClient` start sagas, read their `SagaState`, cancel and resume
them. The modules behind these names are private.
"""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.runtime.sagas._clients import (
        SagaClient,
        SagaContextClient,
        SagaContextHandle,
        SagaHandle,
        SyncSagaClient,
        SyncSagaHandle,
    )
    from restagen.runtime.sagas._context import SagaCancelled, SagaContext
    from restagen.runtime.sagas._engine import (
        PHASE_HEADER,
        STEP_HEADER,
        Saga,
        SagaRejected,
        bind_saga,
        run_saga,
    )
    from restagen.runtime.sagas._spec import DEFAULT_COMPENSATION_RETRY, ErrorAction, SagaSpec, SagaStep
    from restagen.runtime.sagas._state import SagaFailure, SagaState, SagaStatus
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "DEFAULT_COMPENSATION_RETRY",
    "PHASE_HEADER",
    "STEP_HEADER",
    "ErrorAction",
    "Saga",
    "SagaCancelled",
    "SagaClient",
    "SagaContext",
    "SagaContextClient",
    "SagaContextHandle",
    "SagaFailure",
    "SagaHandle",
    "SagaRejected",
    "SagaSpec",
    "SagaState",
    "SagaStatus",
    "SagaStep",
    "SyncSagaClient",
    "SyncSagaHandle",
    "bind_saga",
    "run_saga",
]
