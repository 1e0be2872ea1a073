"""GET /metrics (API.md "Operations"): requests by route template and status, latency,
chat counters, optional bearer protection; on the suite's in-process server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chat.helpers import expect, open_ws, person, ping_pong, send_ws
from tests.operations.metrics_text import label_sets, scrape, value
from tests.support import assert_error, bearer

TOKEN = "metrics-scraper-token-" + "s" * 20


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"metrics_token": TOKEN}


SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


async def test_metrics_need_the_token_when_one_is_set(client):
    assert_error(await client.get("/metrics"), 401, "unauthorized")
    assert_error(await client.get("/metrics", headers=bearer("wrong")), 401, "unauthorized")
    me = await person(client, "me@example.com")
    assert_error(await client.get("/metrics", headers=me.headers), 401, "unauthorized")
    await scrape(client, **SCRAPER)


async def test_requests_are_counted_by_route_template_and_status(client):
    before = await scrape(client, **SCRAPER)
    for listing_id in (11, 12, 13):
        assert (await client.get(f"/api/v1/properties/{listing_id}")).status_code == 404
    assert (await client.get("/no/such/path/42")).status_code == 404
    after = await scrape(client, **SCRAPER)

    template = "/api/v1/properties/<property_id:id>"
    counted = {"method": "GET", "route": template, "status": "404"}
    assert (
        value(after, "sheda_http_requests_total", **counted)
        - value(before, "sheda_http_requests_total", **counted)
        == 3
    )
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert (
        value(after, "sheda_http_requests_total", **unmatched)
        - value(before, "sheda_http_requests_total", **unmatched)
        == 1
    )
    routes = {labels["route"] for labels in label_sets(after, "sheda_http_requests_total")}
    assert not [r for r in routes if any(ch.isdigit() for ch in r.replace("v1", ""))], routes
    latency = "sheda_http_request_duration_seconds_count"
    assert value(after, latency, route=template) - value(before, latency, route=template) == 3


async def test_chat_counters(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    before = await scrape(client, **SCRAPER)
    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        await ping_pong(a)
        await ping_pong(b)  # both handlers are running
        during = await scrape(client, **SCRAPER)
        await send_ws(a, bob, "hello", client_id="k1")
        await expect(b, "message")
        await send_ws(a, bob, "hello", client_id="k1")  # a retry: stored once
        sent = await client.post(
            "/api/v1/chat/messages",
            json={"receiver_id": alice.id, "message": "over REST"},
            headers=bob.headers,
        )
        assert sent.status_code == 201
        await expect(a, "message")
    after = await scrape(client, **SCRAPER)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    opened = value(during, "sheda_websockets_open") - value(before, "sheda_websockets_open")
    assert opened == 2
    assert value(after, "sheda_websockets_open") == value(before, "sheda_websockets_open")
    assert grew("sheda_chat_messages_sent_total", transport="websocket") == 1
    assert grew("sheda_chat_messages_sent_total", transport="rest") == 1
    # alice: two acks (the retry is acked again) and bob's message; bob: alice's message and
    # the copy of his REST message that every socket of the sender gets; two pongs
    assert grew("sheda_chat_frames_delivered_total") == 7
