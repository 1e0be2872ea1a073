"""The caller: an account acting in one session with the scopes of its token. Resolved from
the token (or a websocket ticket) by ``sheda.auth.principal``; read here by every domain."""

from __future__ import annotations

from dataclasses import dataclass

from sanic import Request

from sheda.errors import Unauthorized
from sheda.users.models import Role, User


@dataclass(frozen=True)
class Principal:
    user: User
    session_id: str
    scopes: frozenset[str]

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def is_admin(self) -> bool:
        """An admin route needs both: the token's scope and the account's role today."""
        return "admin" in self.scopes and self.user.role == Role.ADMIN


def scopes_for(user: User) -> list[str]:
    """A token's scopes, computed from the account when the token is issued."""
    scopes = [user.user_type.value]
    if user.role == Role.ADMIN:
        scopes.append("admin")
    elif user.role == Role.MODERATOR:
        scopes.append("moderator")
    return scopes


def current(request: Request) -> Principal:
    """The caller on a non-public route (the middleware guarantees it is set)."""
    principal: Principal | None = request.ctx.principal
    if principal is None:
        raise Unauthorized()
    return principal
