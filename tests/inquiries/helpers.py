"""Helpers for the inquiry tests: agents and admins through the real auth API, listings
straight in the database (the properties API is built separately), and a counter of the
SQL statements the server sends."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx

from sheda.inquiries.models import Inquiry
from sheda.properties.models import Property
from sheda.users.models import Role, User
from tests.support import bearer, login, register

INQUIRIES = "/api/v1/inquiries"


async def account(
    client: httpx.AsyncClient, email: str, user_type: str = "client", **extra: Any
) -> tuple[int, dict[str, str]]:
    body = await register(client, email, user_type=user_type, **extra)
    return body["user"]["id"], bearer(body["access_token"])


async def agent(client: httpx.AsyncClient, email: str) -> tuple[int, dict[str, str]]:
    return await account(client, email, user_type="agent")


async def admin(client: httpx.AsyncClient, email: str = "root@example.com") -> dict[str, str]:
    user_id, _ = await account(client, email)
    await User.filter(id=user_id).update(role=Role.ADMIN)
    # Scopes are fixed when a token is issued: only a new sign-in carries "admin".
    return bearer((await login(client, email))["access_token"])


async def listing(agent_id: int, title: str = "Two-bed flat", **fields: Any) -> Property:
    values: dict[str, Any] = {
        "agent_id": agent_id,
        "title": title,
        "description": "Bright, near the market",
        "property_type": "apartment",
        "listing_type": "rent",
        "price": Decimal("1000.00"),
        "address": "12 Allen Avenue",
        "city": "Ikeja",
        "state": "Lagos",
        **fields,
    }
    return await Property.create(**values)


def inquiry_body(property_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "property_id": property_id,
        "full_name": "Ada Obi",
        "email": "Ada@Example.com",
        "phone": "+2348012345678",
        "message": "Is it still available?",
        "inquiry_type": "site_visit",
        "preferred_contact_time": "weekdays after 5pm",
        **changes,
    }


async def stored_inquiry(property_id: int, **fields: Any) -> Inquiry:
    """A lead straight in the database, for tests about reading and working leads (the
    API allows only 5 per hour per IP)."""
    values: dict[str, Any] = {
        "property_id": property_id,
        "full_name": "Visitor",
        "email": "visitor@example.com",
        "message": "Hello",
        "inquiry_type": "general",
        **fields,
    }
    return await Inquiry.create(**values)


class _StatementLog(logging.Handler):
    STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Tortoise logs every statement it sends, on both backends, just before sending it;
        # connection set-up messages are not statements and are left out.
        text = record.getMessage().lstrip()
        if text.upper().startswith(self.STATEMENTS):
            self.statements.append(text)


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs (the live server shares our process)."""
    log = logging.getLogger("tortoise.db_client")
    handler = _StatementLog()
    level = log.level
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    try:
        yield handler.statements
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
