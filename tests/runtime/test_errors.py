"""`HandlerNotImplemented`: what an unwritten scaffold raises is terminal, 501, naming the handler."""

from __future__ import annotations

from restate.exceptions import TerminalError

from restagen.runtime import HandlerNotImplemented


def test_not_implemented_is_a_terminal_501_naming_the_handler() -> None:
    error = HandlerNotImplemented("greeter.greet")
    assert isinstance(error, TerminalError)
    assert error.status_code == 501
    assert error.message == "not implemented: greeter.greet"
    assert error.handler == "greeter.greet"
