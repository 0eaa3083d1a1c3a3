"""Problems of this machine that stop local tools, reported to the user without a traceback.

    LocalError                  something on this machine is not as `restagen dev` needs it
    ├── PortInUse               a port to listen on is taken by another program
    ├── RestateServerNotFound   no restate-server, and it cannot be installed (npm missing or failing)
    └── ServerFailed            restate-server exited or never became ready; its log says why

They are environment problems, not bugs: the command line reports them as user errors (exit 1).
"""

from __future__ import annotations

__all__ = ["LocalError", "PortInUse", "RestateServerNotFound", "ServerFailed"]


class LocalError(Exception):
    """A problem of the local environment that the user can fix."""


class PortInUse(LocalError):
    """`port`, wanted for `role`, is taken."""

    def __init__(self, port: int, role: str, hint: str = "") -> None:
        self.port, self.role = port, role
        message = f"port {port} ({role}) is already in use by another program"
        super().__init__(f"{message}; {hint}" if hint else message)


class RestateServerNotFound(LocalError):
    """There is no restate-server binary and it cannot be installed."""


class ServerFailed(LocalError):
    """restate-server exited early or did not become ready."""
