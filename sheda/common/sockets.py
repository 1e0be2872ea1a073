"""What the domains outside chat need from the live sockets (the chat hub implements it):
close a user's sessions' sockets, close them all at shutdown. The close codes are the
socket protocol's (API.md)."""

from __future__ import annotations

from typing import Protocol

CLOSE_REVOKED = 4001  # logout, password change or reset, deletion: the session ended
CLOSE_DEACTIVATED = 4003  # an admin deactivated the account
CLOSE_SLOW_CONSUMER = 4008
GOING_AWAY = 1001  # the server is shutting down


class Sockets(Protocol):
    def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def close_sessions(
        self,
        user_id: int,
        *,
        code: int,
        sessions: list[str] | None = None,
        keep: str | None = None,
    ) -> None: ...

    async def close_all(self, code: int, reason: str, *, wait: float) -> None: ...
