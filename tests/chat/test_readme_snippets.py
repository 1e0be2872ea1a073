"""The README's native-client snippet, run as written against the live server: it sends with
a bearer header and no Origin, and a resend with the same client_id gets the same ack and
stores nothing new."""

from __future__ import annotations

from typing import Any

import httpx

from tests.chat.helpers import expect, history, open_ws, person
from tests.readme import snippet
from tests.support import LiveServer


def _native_snippet() -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(snippet("native"), "README.md (native snippet)", "exec"), namespace)  # noqa: S102
    return namespace["send_message"]


async def test_the_native_snippet_sends_once_however_often_it_is_resent(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    send_message = _native_snippet()
    ada = await person(client, "ada@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, bob.token) as bob_ws:
        ack = await send_message(server.url, ada.token, bob.id, "Hello from a native app")
        assert ack["status"] == "sent" and ack["seq"] == 1
        received = await expect(bob_ws, "message")
        assert received["id"] == ack["message_id"]
        assert received["message"] == "Hello from a native app"

        again = await send_message(
            server.url, ada.token, bob.id, "Hello from a native app", ack["client_id"]
        )
    assert again == ack  # the first ack, word for word
    assert [m["id"] for m in await history(client, ada, bob)] == [ack["message_id"]]


async def test_the_native_snippet_reports_a_refused_message(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    send_message = _native_snippet()
    ada = await person(client, "ada@example.com")
    try:
        await send_message(server.url, ada.token, 2**31 - 1, "To nobody")
    except RuntimeError as err:
        assert str(err).startswith("not_found:")
    else:
        raise AssertionError("a message to no one was acknowledged")
