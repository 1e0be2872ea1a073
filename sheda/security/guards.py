"""The access rules. Every route declares one Access rule (``sheda.common.access``;
default deny: a route without one is refused at run time and fails tests/test_routes.py);
``sheda.auth.principal.enforce_access`` resolves the caller and applies ``check_rule``."""

from __future__ import annotations

from sanic import Request

from sheda.common.access import Access
from sheda.errors import Forbidden

OTP_SCOPE = "otp"
# Every access token names the account type it acts as; one without is not a session's.
ACCOUNT_SCOPES = frozenset({"client", "agent"})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_rule(rule: Access, *, scopes: frozenset[str], admin: bool) -> None:
    """``admin``: the token holds the admin scope and the account's role is admin now."""
    if rule in (Access.CLIENT, Access.AGENT) and rule.value not in scopes:
        raise Forbidden(f"Switch to your {rule.value} account to do this")
    if rule is Access.ADMIN and not admin:
        raise Forbidden("Administrators only")
