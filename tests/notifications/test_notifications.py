"""/api/v1/notifications: a user's own stored notifications (API.md "Notifications")."""

from __future__ import annotations

from typing import Any

import pytest

from sheda.notifications.models import Notification
from sheda.notifications.schemas import AppointmentEventData, InquiryEventData
from sheda.notifications.service import notify
from tests.support import LiveServer, assert_error, bearer, register

NOTIFICATIONS = "/api/v1/notifications"


async def user(client, email: str) -> tuple[int, dict[str, str]]:
    body = await register(client, email)
    return body["user"]["id"], bearer(body["access_token"])


async def send(
    server: LiveServer, user_id: int, count: int = 1, event: str = "inquiry.created"
) -> list[Any]:
    """Notifications made the way every domain makes them: through notify(); the i-th names
    inquiry i."""
    return [
        await notify(
            rt=server.app.ctx.runtime, user_id=user_id, event=event,
            data=InquiryEventData(inquiry_id=i, property_id=7, summary=f"lead {i}"),
        )
        for i in range(count)
    ]


async def page(client, auth, **params: Any) -> dict[str, Any]:
    response = await client.get(NOTIFICATIONS, params=params, headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"items", "next_cursor"}
    return body


# --- the list -----------------------------------------------------------------------------------


async def test_own_notifications_newest_first(client, server):
    me, auth = await user(client, "me@example.com")
    other, _ = await user(client, "other@example.com")
    mine = await send(server, me, 3)
    await send(server, other, 2)

    body = await page(client, auth)

    assert [n["id"] for n in body["items"]] == [n.id for n in reversed(mine)]
    assert [n["data"]["inquiry_id"] for n in body["items"]] == [2, 1, 0]
    assert body["items"][0]["data"] == {"inquiry_id": 2, "property_id": 7, "summary": "lead 2"}
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert set(item) == {"id", "event", "data", "read_at", "created_at"}
    assert item["event"] == "inquiry.created"
    assert item["read_at"] is None
    assert item["created_at"].endswith("Z")


async def test_empty_list(client):
    _, auth = await user(client, "me@example.com")

    assert await page(client, auth) == {"items": [], "next_cursor": None}


async def test_unread_filter(client, server):
    me, auth = await user(client, "me@example.com")
    first, second, third = await send(server, me, 3)
    read = await client.post(f"{NOTIFICATIONS}/{second.id}/read", headers=auth)
    assert read.status_code == 204, read.text

    unread = await page(client, auth, unread="true")
    everything = await page(client, auth, unread="false")

    assert [n["id"] for n in unread["items"]] == [third.id, first.id]
    assert [n["id"] for n in everything["items"]] == [third.id, second.id, first.id]
    assert everything["items"][1]["read_at"].endswith("Z")


async def test_pages_cover_everything_once_newest_first(client, server):
    me, auth = await user(client, "me@example.com")
    other, _ = await user(client, "other@example.com")
    mine = []
    for _ in range(25):
        mine += await send(server, me)
        await send(server, other)  # interleaved, never shown to me

    seen: list[int] = []
    sizes = []
    cursor = None
    while True:
        body = await page(client, auth, limit=10, **({"cursor": cursor} if cursor else {}))
        sizes.append(len(body["items"]))
        seen += [n["id"] for n in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert sizes == [10, 10, 5]
    assert seen == [n.id for n in reversed(mine)]


async def test_unread_pages(client, server):
    me, auth = await user(client, "me@example.com")
    sent = await send(server, me, 6)
    for n in sent[::2]:  # read every other one
        await client.post(f"{NOTIFICATIONS}/{n.id}/read", headers=auth)

    first = await page(client, auth, unread="true", limit=2)
    second = await page(client, auth, unread="true", limit=2, cursor=first["next_cursor"])

    assert [n["id"] for n in first["items"]] == [sent[5].id, sent[3].id]
    assert [n["id"] for n in second["items"]] == [sent[1].id]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"unread": "perhaps"}, {"cursor": "%%%"}, {"x": 1}]
)
async def test_bad_query_is_422(client, params):
    _, auth = await user(client, "me@example.com")

    response = await client.get(NOTIFICATIONS, params=params, headers=auth)

    assert_error(response, 422, "validation_error")


async def test_list_needs_a_token(client):
    assert_error(await client.get(NOTIFICATIONS), 401, "unauthorized")


# --- mark read ----------------------------------------------------------------------------------


async def test_mark_one_read_is_idempotent(client, server):
    me, auth = await user(client, "me@example.com")
    (note,) = await send(server, me)

    first = await client.post(f"{NOTIFICATIONS}/{note.id}/read", headers=auth)
    assert first.status_code == 204, first.text
    assert first.content == b""
    read_at = (await Notification.get(id=note.id)).read_at
    assert read_at is not None

    again = await client.post(f"{NOTIFICATIONS}/{note.id}/read", headers=auth)

    assert again.status_code == 204, again.text
    assert (await Notification.get(id=note.id)).read_at == read_at  # the first read stands


async def test_another_users_notification_is_404(client, server):
    other, _ = await user(client, "other@example.com")
    _, auth = await user(client, "me@example.com")
    (theirs,) = await send(server, other)

    response = await client.post(f"{NOTIFICATIONS}/{theirs.id}/read", headers=auth)

    assert_error(response, 404, "not_found")
    assert (await Notification.get(id=theirs.id)).read_at is None


@pytest.mark.parametrize("notification_id", ["999999", "abc", "0", str(2**31)])
async def test_unknown_notification_is_404(client, notification_id):
    _, auth = await user(client, "me@example.com")

    response = await client.post(f"{NOTIFICATIONS}/{notification_id}/read", headers=auth)

    assert_error(response, 404, "not_found")


async def test_mark_read_needs_a_token(client, server):
    me, _ = await user(client, "me@example.com")
    (note,) = await send(server, me)

    assert_error(await client.post(f"{NOTIFICATIONS}/{note.id}/read"), 401, "unauthorized")
    assert_error(await client.post(f"{NOTIFICATIONS}/read-all"), 401, "unauthorized")


async def test_read_all_marks_only_mine(client, server):
    me, auth = await user(client, "me@example.com")
    other, _ = await user(client, "other@example.com")
    await send(server, me, 3)
    await send(server, other, 2)

    response = await client.post(f"{NOTIFICATIONS}/read-all", headers=auth)

    assert response.status_code == 204, response.text
    assert await Notification.filter(user_id=me, read_at=None).count() == 0
    assert await Notification.filter(user_id=other, read_at=None).count() == 2
    assert (await page(client, auth, unread="true"))["items"] == []
    assert len((await page(client, auth))["items"]) == 3


async def test_read_all_keeps_earlier_read_times_and_is_repeatable(client, server):
    me, auth = await user(client, "me@example.com")
    first, _ = await send(server, me, 2)
    await client.post(f"{NOTIFICATIONS}/{first.id}/read", headers=auth)
    first_read_at = (await Notification.get(id=first.id)).read_at

    for _ in range(2):
        response = await client.post(f"{NOTIFICATIONS}/read-all", headers=auth)
        assert response.status_code == 204, response.text

    assert (await Notification.get(id=first.id)).read_at == first_read_at
    assert await Notification.filter(user_id=me, read_at=None).count() == 0


# --- events and their data ----------------------------------------------------------------------


async def test_an_event_with_the_wrong_data_is_refused_and_not_stored(server):
    target = server.app.ctx.runtime
    wrong = AppointmentEventData(appointment_id=1, property_id=2, summary="x")
    for event in ("inquiry.created", "contract.created", "appointment.bogus"):
        with pytest.raises(ValueError):
            await notify(rt=target, user_id=1, event=event, data=wrong)
    assert await Notification.all().count() == 0


async def test_openapi_types_each_event_with_its_data(client):
    spec = (await client.get("/docs/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    items = schemas["NotificationPage"]["properties"]["items"]["items"]
    assert items["discriminator"]["propertyName"] == "event"
    by_event = {}
    for variant in items["oneOf"]:
        schema = schemas[variant["$ref"].rsplit("/", 1)[1]]
        data = schema["properties"]["data"]
        data_name = data.get("$ref", (data.get("allOf") or [{}])[0].get("$ref", "")).rsplit("/")[-1]
        for event in schema["properties"]["event"]["enum"]:
            by_event[event] = data_name
    # API.md, "WebSocket protocol": the events, and the ids each one's data holds.
    assert by_event == {
        **dict.fromkeys(
            ["appointment.requested", "appointment.confirmed", "appointment.rejected",
             "appointment.canceled", "appointment.completed"], "AppointmentEventData"),
        **dict.fromkeys(
            ["contract.created", "contract.payment_submitted", "contract.active",
             "contract.declined", "contract.canceled", "contract.expired"], "ContractEventData"),
        "inquiry.created": "InquiryEventData",
    }
    assert set(schemas["ContractEventData"]["required"]) == {
        "contract_id", "property_id", "appointment_id", "summary"
    }
