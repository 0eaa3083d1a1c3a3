"""Serving an endpoint where each request must have its whole answer: request-response mode.

Restate normally keeps one HTTP/2 stream open per invocation. Platforms that call a function per
request (AWS Lambda, HTTP/1.1 behind most load balancers and serverless containers) cannot hold
one; there Restate sends the journal in a request and the endpoint answers with what the handler
did until it had to wait, and Restate calls again once there is news.

    from restagen.runtime.serverless import lambda_handler, request_response_app

    app = request_response_app(endpoint)      # an ASGI app: `restagen serve`, any ASGI server
    handler = lambda_handler(endpoint)        # AWS Lambda's handler (module.handler)

Register an HTTP/1.1 endpoint with `restagen register --http1` (the admin API's `use_http_11`),
a Lambda function with its ARN (docs/scaling.md).
"""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.runtime.serverless._app import request_response_app
    from restagen.runtime.serverless._lambda import lambda_handler
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = ["lambda_handler", "request_response_app"]
