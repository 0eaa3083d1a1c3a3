"""An endpoint as an AWS Lambda handler: Restate's Lambda events in, Lambda responses out.

Restate invokes a Lambda function with an API-Gateway-shaped event (`httpMethod`, `path`,
`headers`, the body base64-encoded) and reads the same shape back; the restate-sdk's types name
them (`RestateLambdaRequest`, `RestateLambdaResponse`), and the SDK carries the adapter
(`restate.aws_lambda`): on Lambda (`AWS_LAMBDA_FUNCTION_NAME` set) its app already is the
handler; elsewhere (a test, a local emulator) the same adapter is applied here, so that both run
the same code. Only the components are served: an SSE hub needs long-lived connections, and a
registration on startup a process that outlives a request; Lambda has neither.

The adapter runs every event on one event loop, created with the handler: call the handler from
the thread that created it, as Lambda does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from restate.aws_lambda import is_running_on_lambda, wrap_asgi_as_lambda_handler
from restate.server_types import RestateLambdaHandler

if TYPE_CHECKING:
    from restagen.runtime._endpoint.endpoint import Endpoint

__all__ = ["lambda_handler"]


def lambda_handler(endpoint: Endpoint) -> RestateLambdaHandler:
    """The Lambda handler (`handler(event, context)`) serving `endpoint`'s components in
    request-response mode."""
    app = endpoint.restate_app("request_response")
    if is_running_on_lambda():
        handler: RestateLambdaHandler = app
        return handler
    return wrap_asgi_as_lambda_handler(app)
