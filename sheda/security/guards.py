"""Who may call what. Every route declares one Access rule (default deny: a route without
one is refused at run time and fails tests/test_routes.py); one middleware enforces it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sanic import Request

from sheda.auth.models import AuthSession
from sheda.common.clock import utcnow
from sheda.errors import Forbidden, Unauthorized
from sheda.security.tokens import AccessClaims, TokenError, decode_access_token
from sheda.users.models import Role, User


class Access(StrEnum):
    PUBLIC = "public"  # anyone, token or not
    USER = "user"  # any signed-in, active account
    CLIENT = "client"  # active type client (token scope)
    AGENT = "agent"  # active type agent (token scope)
    ADMIN = "admin"  # token scope admin + role admin + active


ACCESS_ATTR = "__sheda_access__"
OTP_SCOPE = "otp"
# Every access token names the account type it acts as; one without is not a session's.
ACCOUNT_SCOPES = frozenset({"client", "agent"})


@dataclass(frozen=True)
class Principal:
    user: User
    session_id: str
    scopes: frozenset[str]

    @property
    def id(self) -> int:
        return self.user.id


def scopes_for(user: User) -> list[str]:
    """A token's scopes, computed from the account when the token is issued."""
    scopes = [user.user_type.value]
    if user.role == Role.ADMIN:
        scopes.append("admin")
    elif user.role == Role.MODERATOR:
        scopes.append("moderator")
    return scopes


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def principal_from_token(secret: str, token: str) -> Principal:
    """Resolve an access token to its live session and account in one query.

    A revoked or expired session (logout, password change or reset, soft delete) → 401;
    a deactivated account → 403 (its tokens stay valid, but it may do nothing)."""
    try:
        claims: AccessClaims = decode_access_token(secret, token)
        session_uuid = uuid.UUID(claims.session_id)
    except (TokenError, ValueError):
        raise Unauthorized("The access token is invalid or expired") from None
    if OTP_SCOPE in claims.scopes or not claims.scopes & ACCOUNT_SCOPES:
        # An OTP-step token serves only the route it was made for (API.md).
        raise Unauthorized("This token cannot be used here; sign in again")
    user = await _live_session_user(session_uuid, claims.user_id)
    return Principal(user=user, session_id=claims.session_id, scopes=claims.scopes)


async def principal_from_session(user_id: int, session_id: str) -> Principal:
    """For a redeemed websocket ticket: the session must still be live."""
    try:
        session_uuid = uuid.UUID(session_id)
    except ValueError:
        raise Unauthorized("The ticket is invalid") from None
    user = await _live_session_user(session_uuid, user_id)
    return Principal(user=user, session_id=session_id, scopes=frozenset(scopes_for(user)))


async def _live_session_user(session_id: uuid.UUID, user_id: int) -> User:
    session = (
        await AuthSession.filter(id=session_id, user_id=user_id, revoked_at=None)
        .select_related("user")
        .first()
    )
    if session is None or session.expires_at <= utcnow() or session.user.is_deleted:
        raise Unauthorized("The session has ended; sign in again")
    if not session.user.is_active:
        raise Forbidden("This account is deactivated")
    user: User = session.user
    return user


def check_rule(rule: Access, principal: Principal) -> None:
    if rule in (Access.CLIENT, Access.AGENT) and rule.value not in principal.scopes:
        raise Forbidden(f"Switch to your {rule.value} account to do this")
    if rule is Access.ADMIN and not (
        "admin" in principal.scopes and principal.user.role == Role.ADMIN
    ):
        raise Forbidden("Administrators only")


async def enforce_access(request: Request) -> None:
    """Request middleware: sets ``request.ctx.principal`` (None on public routes without a
    token) or raises 401/403."""
    request.ctx.principal = None
    route = request.route
    if route is None:  # unknown path: the router answers 404 by itself
        return
    rule = getattr(route.ctx, "access", None)
    if rule is None:
        raise Forbidden("This route declares no access rule")
    if getattr(route.ctx, "websocket", False):
        from sheda.security.websocket import websocket_principal  # a cycle at import time

        principal = await websocket_principal(request)
        check_rule(rule, principal)
        request.ctx.principal = principal
        return
    token = bearer_token(request)
    if rule is Access.PUBLIC:
        if token:  # optional identity on public routes (e.g. an inquiry from a client)
            try:
                request.ctx.principal = await principal_from_token(
                    request.app.ctx.settings.secret_key, token
                )
            except (Unauthorized, Forbidden):
                request.ctx.principal = None
        return
    if token is None:
        raise Unauthorized("Missing bearer token")
    principal = await principal_from_token(request.app.ctx.settings.secret_key, token)
    check_rule(rule, principal)
    request.ctx.principal = principal


def current(request: Request) -> Principal:
    """The caller on a non-public route (the middleware guarantees it is set)."""
    principal: Principal | None = request.ctx.principal
    if principal is None:
        raise Unauthorized()
    return principal
