"""Who may call a route, as each route declares it (``common.http.endpoint``). The rules
are enforced by one middleware (``sheda.auth.principal.enforce_access``) with the checks
in ``sheda.security.guards``; a route without a rule is refused (default deny)."""

from __future__ import annotations

from enum import StrEnum


class Access(StrEnum):
    PUBLIC = "public"  # anyone, token or not
    USER = "user"  # any signed-in, active account
    CLIENT = "client"  # active type client (token scope)
    AGENT = "agent"  # active type agent (token scope)
    ADMIN = "admin"  # token scope admin + role admin + active


# The attribute on a handler that holds its Access rule.
ACCESS_ATTR = "__sheda_access__"
