"""What the tests of local processes run: a one-service schema for `restagen dev`, and a hand-written
Restate app for `restagen serve`, each as the text of a file a test writes."""

from __future__ import annotations

__all__ = ["APP", "SCHEMA"]

SCHEMA = """\
restagen: 1
package: hello
services:
  greeter:
    handlers:
      greet: {input: string, output: string}
"""

APP = """\
import restate

greeter = restate.Service("greeter")


@greeter.handler()
async def greet(ctx: restate.Context, name: str) -> str:
    return f"hello {name}"


app = restate.app([greeter])
"""
