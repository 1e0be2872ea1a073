"""Notifications pushed live (API.md "Notifications", "WebSocket protocol"): an inquiry on
an agent's real listing reaches the agent's open sockets as a `notification` frame that
names the stored notification."""

from __future__ import annotations

from tests.chat.helpers import create_listing, expect, open_ws, person, ping_pong

NOTIFICATION_FRAME_KEYS = {"type", "id", "event", "data", "created_at"}


def inquiry_body(property_id: int) -> dict:
    return {
        "property_id": property_id,
        "full_name": "Ada Obi",
        "email": "ada@example.com",
        "message": "Is it still available?",
        "inquiry_type": "site_visit",
    }


async def test_inquiry_reaches_the_agents_sockets(client, server):
    agent = await person(client, "agent@example.com", user_type="agent")
    stranger = await person(client, "stranger@example.com")
    listing = await create_listing(client, agent, title="Lekki flat")

    async with (
        open_ws(server, agent.token) as phone,
        open_ws(server, agent.token) as laptop,
        open_ws(server, stranger.token) as other,
    ):
        response = await client.post("/api/v1/inquiries", json=inquiry_body(listing["id"]))
        assert response.status_code == 201, response.text
        inquiry = response.json()

        frame = await expect(phone, "notification")
        assert await expect(laptop, "notification") == frame  # every socket gets it
        await ping_pong(other)  # addressed to the agent only

    assert set(frame) == NOTIFICATION_FRAME_KEYS
    assert frame["event"] == "inquiry.created"
    assert frame["data"]["inquiry_id"] == inquiry["id"]
    assert frame["data"]["property_id"] == listing["id"]
    assert isinstance(frame["data"]["summary"], str) and frame["data"]["summary"]
    assert frame["created_at"].endswith("Z")

    response = await client.get("/api/v1/notifications", headers=agent.headers)
    assert response.status_code == 200, response.text
    stored = response.json()["items"]
    assert len(stored) == 1
    assert stored[0]["id"] == frame["id"]
    assert stored[0]["event"] == "inquiry.created"
    assert stored[0]["data"] == frame["data"]
    assert stored[0]["created_at"] == frame["created_at"]
    response = await client.get("/api/v1/notifications", headers=stranger.headers)
    assert response.json()["items"] == []


async def test_offline_agent_finds_the_notification_later(client):
    agent = await person(client, "agent@example.com", user_type="agent")
    listing = await create_listing(client, agent)
    response = await client.post("/api/v1/inquiries", json=inquiry_body(listing["id"]))
    assert response.status_code == 201, response.text
    inquiry_id = response.json()["id"]

    response = await client.get(
        "/api/v1/notifications", params={"unread": "true"}, headers=agent.headers
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [n["event"] for n in items] == ["inquiry.created"]
    assert items[0]["data"]["inquiry_id"] == inquiry_id
    assert items[0]["data"]["property_id"] == listing["id"]
