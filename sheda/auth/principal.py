"""Turning credentials into the caller (``sheda.users.principal.Principal``): an access
token or a redeemed websocket ticket → its live session and account, in one query. The
middleware here applies every route's declared Access rule with the checks of
``sheda.security.guards``."""

from __future__ import annotations

import uuid

from sanic import Request

from sheda.auth.models import AuthSession
from sheda.common.access import Access
from sheda.common.clock import utcnow
from sheda.errors import Forbidden, Unauthorized
from sheda.security.guards import ACCOUNT_SCOPES, OTP_SCOPE, bearer_token, check_rule
from sheda.security.tokens import AccessClaims, TokenError, decode_access_token
from sheda.security.websocket import websocket_credentials
from sheda.users.models import User
from sheda.users.principal import Principal, scopes_for


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


async def _websocket_principal(request: Request) -> Principal:
    credentials = websocket_credentials(request)
    if credentials.token:
        return await principal_from_token(request.app.ctx.settings.secret_key, credentials.token)
    redeemed = await request.app.ctx.runtime.tickets.redeem(credentials.ticket)
    if redeemed is None:
        raise Unauthorized("The ticket is invalid, used or expired")
    return await principal_from_session(*redeemed)


def _check(rule: Access, caller: Principal) -> None:
    check_rule(rule, scopes=caller.scopes, admin=caller.is_admin)


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
        principal = await _websocket_principal(request)
        _check(rule, principal)
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
    _check(rule, principal)
    request.ctx.principal = principal
