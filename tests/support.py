"""Test support: a real Sanic server on loopback inside the test's event loop, a real SMTP
server (aiosmtpd) that keeps what it receives, and small API helpers."""

from __future__ import annotations

import asyncio
import email
import itertools
import re
import socket
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sanic import Sanic

from sheda.app import create_app
from sheda.config import Settings

_names = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """Starts the app the way sanic-testing's ReusableClient does, but in the running loop,
    so tests can use the ORM and the HTTP API side by side."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: Sanic = create_app(settings, name=f"sheda_test_{next(_names)}")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: Any = None

    async def start(self) -> None:
        app = self.app
        # As ReusableClient does. Without it, the second app of a session (the second test
        # module) fails in Sanic's TouchUp, which rebuilds Sanic methods it already rebuilt.
        Sanic.test_mode = True
        app.router.reset()
        app.signal_router.reset()
        await app._startup()
        await app._server_event("init", "before", loop=asyncio.get_running_loop())
        self._server = await app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
        )
        await app._server_event("init", "after", loop=asyncio.get_running_loop())

    async def stop(self) -> None:
        app = self.app
        await app._server_event("shutdown", "before", loop=asyncio.get_running_loop())
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await app._server_event("shutdown", "after", loop=asyncio.get_running_loop())
        Sanic.unregister_app(app)


@dataclass
class Mailbox:
    """aiosmtpd handler: every delivered message, parsed."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 5.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} mail(s) to {address}, got {len(self.to(address))}")

    async def latest_code(self, address: str, count: int = 1) -> str:
        message = (await self.wait_for(address, count))[-1]
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        match = re.search(r"\b(\d{6})\b", payload.decode())
        assert match, "no 6-digit code in the mail"
        return match.group(1)


def start_smtp() -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, mailbox


# --- API helpers ------------------------------------------------------------------------

# The account body of GET /users/me (API.md "Users"); admin user bodies have the same keys.
ME_KEYS = {
    "id",
    "email",
    "username",
    "fullname",
    "phone_number",
    "avatar_url",
    "location",
    "bio",
    "user_type",
    "role",
    "verified",
    "is_active",
    "created_at",
    "agent_profile",
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(
    client: httpx.AsyncClient, email_address: str, password: str = "correct horse", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/register", json={"email": email_address, "password": password, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(
    client: httpx.AsyncClient, username: str, password: str = "correct horse"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["request_id"] == response.headers["x-request-id"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body
