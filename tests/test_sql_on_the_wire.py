"""What PostgreSQL receives per request, counted on the wire (tests/wire.py, a proxy between
the server and PostgreSQL), not what the ORM says it sent. A pooled connection goes back
without asyncpg's reset round trip (``pg_advisory_unlock_all(); CLOSE ALL; ...``), which
doubled the statements of every request; a transaction left open is still rolled back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from sheda.chat.models import Conversation, Message
from sheda.db import search_connection
from tests.chat.helpers import create_listing, open_ws, person, send_ws
from tests.wire import Wire

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
async def wire(database_url: str) -> AsyncIterator[Wire]:
    parts = urlsplit(database_url)
    proxy = Wire(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture(scope="module")
def settings_overrides(wire: Wire, database_url: str) -> dict[str, Any]:
    parts = urlsplit(database_url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{wire.port}" if credentials else f"127.0.0.1:{wire.port}"
    return {"database_url": urlunsplit(parts._replace(netloc=netloc))}


async def test_users_me_is_two_statements(client, server, wire):
    me = await person(client, "me@example.com")
    # The sign-up's verification mail is stored and sent in the background: not this request
    await server.app.ctx.runtime.mailer.drain()
    await client.get("/api/v1/users/me", headers=me.headers)  # statements prepared once
    with wire.counting() as sent:
        response = await client.get("/api/v1/users/me", headers=me.headers)
    assert response.status_code == 200
    assert len(sent) <= 2, sent
    assert not [s for s in sent if "RESET ALL" in s or "UNLISTEN" in s], sent


async def test_a_feed_page_with_a_token_is_at_most_four_statements(client, server, wire):
    agent = await person(client, "agent@example.com", user_type="agent")
    for n in range(3):
        await create_listing(client, agent, title=f"Flat {n}")
    await server.app.ctx.runtime.mailer.drain()  # the sign-up's mail, as above
    await client.get("/api/v1/properties", headers=agent.headers)
    with wire.counting() as sent:
        response = await client.get("/api/v1/properties", headers=agent.headers)
    assert response.status_code == 200 and len(response.json()["items"]) == 3
    assert len(sent) <= 4, sent


async def test_a_connection_released_inside_a_transaction_is_rolled_back(server, wire):
    # What the reset still does: an open transaction never reaches the next borrower.
    conn = connections.get("default")
    pool = conn._pool
    async with pool.acquire() as raw:
        await raw.execute("BEGIN")
        await raw.execute("CREATE TEMP TABLE leftover (x int)")
    for _ in range(pool.get_size() + 1):  # whichever connection comes next
        async with pool.acquire() as raw:
            assert not raw.is_in_transaction()
            assert await raw.fetchval("SELECT to_regclass('pg_temp.leftover')") is None
    async with in_transaction():  # the ORM's own transactions still work
        assert await conn.execute_query_dict("SELECT 1 AS one") == [{"one": 1}]


async def test_a_message_is_stored_in_one_statement(client, server, wire):
    # API.md's send: stored (seq taken) before the ack; on PostgreSQL checking the retry,
    # the receiver, a block and the listing, bumping the seq and inserting are one statement.
    agent = await person(client, "agent@example.com", user_type="agent")
    buyer = await person(client, "buyer@example.com")
    listing = await create_listing(client, agent)
    async with open_ws(server, buyer.token) as ws:
        await send_ws(ws, agent, "first", client_id="warm-up")  # statements prepared once
        with wire.counting() as sent:
            ack = await send_ws(ws, agent, "Is it available?", property_id=listing["id"])
        assert len(sent) == 1, sent
        with wire.counting() as retried:
            again = await send_ws(ws, agent, "first", client_id="warm-up")
        assert len(retried) == 1, retried
    assert ack["seq"] == 2 and again["seq"] == 1
    stored = await Message.filter(sender_id=buyer.id).order_by("seq").values_list("seq", "body")
    assert stored == [(1, "first"), (2, "Is it available?")]
    conversation = await Conversation.get(id=ack["conversation_id"])
    assert (conversation.last_seq, conversation.property_id) == (2, listing["id"])


async def test_searches_force_custom_plans_and_everything_else_keeps_the_plan_cache(client):
    # A generic plan of a prepared price-range search walked the whole table; planning the
    # chat's send statement on every message cost 0.4 ms of database CPU (sheda/db.py).
    default, search = connections.get("default"), search_connection()
    assert search is not default
    shown = "SELECT current_setting('plan_cache_mode') AS mode, current_setting('jit') AS jit"
    assert await default.execute_query_dict(shown) == [{"mode": "auto", "jit": "off"}]
    assert await search.execute_query_dict(shown) == [{"mode": "force_custom_plan", "jit": "off"}]
    # Only the searches price random reads low; other sessions keep the server's setting.
    random_read = "SELECT current_setting('random_page_cost') AS cost"
    assert await search.execute_query_dict(random_read) == [{"cost": "1.1"}]
