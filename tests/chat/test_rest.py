"""The chat REST routes (API.md "Chat"): history, the conversation list, unread counts."""

from __future__ import annotations

from sheda.users.models import User
from tests.chat.helpers import (
    CHAT,
    MESSAGE_KEYS,
    conversations,
    create_listing,
    history,
    open_ws,
    person,
    sent,
    unread,
    wait_until,
)
from tests.support import assert_error

CONVERSATION_KEYS = {
    "conversation_id",
    "other_user",
    "last_message",
    "last_seq",
    "unread_count",
    "property",
}
OTHER_USER_KEYS = {"id", "username", "fullname", "avatar_url", "online"}


async def test_rest_send_answers_the_message(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    body = await sent(client, alice, bob, "hello")
    assert set(body) == MESSAGE_KEYS
    assert (body["sender_id"], body["receiver_id"], body["message"]) == (alice.id, bob.id, "hello")
    assert (body["seq"], body["property_id"], body["client_id"], body["read_at"]) == (
        1,
        None,
        None,
        None,
    )
    assert body["created_at"].endswith("Z") and body["timestamp"] == body["created_at"]


async def test_rest_send_refusals(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    url = f"{CHAT}/messages"
    for body in (
        {"receiver_id": bob.id, "message": ""},
        {"receiver_id": bob.id, "message": "x" * 4001},
        {"message": "no receiver"},
        {"receiver_id": bob.id, "message": "hi", "client_id": "k" * 65},
    ):
        response = await client.post(url, json=body, headers=alice.headers)
        assert_error(response, 422, "validation_error")
    response = await client.post(
        url, json={"receiver_id": 999999, "message": "hi"}, headers=alice.headers
    )
    assert_error(response, 404, "not_found")
    response = await client.post(
        url,
        json={"receiver_id": bob.id, "message": "hi", "property_id": 999999},
        headers=alice.headers,
    )
    assert_error(response, 404, "not_found")
    response = await client.post(
        url, content=b"{not json", headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert_error(response, 400, "bad_request")
    assert (
        await client.post(
            url, json={"receiver_id": bob.id, "message": "x" * 4000}, headers=alice.headers
        )
    ).status_code == 201


async def test_history_newest_first_with_offset_and_limit(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    for n in range(1, 8):
        await sent(client, *((alice, bob) if n % 2 else (bob, alice)), f"m{n}")

    every = await history(client, alice, bob)
    assert [m["seq"] for m in every] == [7, 6, 5, 4, 3, 2, 1]
    assert all(set(m) == MESSAGE_KEYS for m in every)
    assert {m["sender_id"] for m in every} == {alice.id, bob.id}
    assert every == await history(client, bob, alice)  # the same conversation from both sides
    assert [m["seq"] for m in await history(client, alice, bob, limit=3)] == [7, 6, 5]
    assert [m["seq"] for m in await history(client, alice, bob, limit=3, offset=3)] == [4, 3, 2]
    assert [m["seq"] for m in await history(client, alice, bob, limit=3, offset=6)] == [1]
    assert await history(client, alice, bob, offset=7) == []
    assert len(await history(client, alice, bob, limit=200)) == 7


async def test_history_after_seq_is_oldest_first(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    for n in range(1, 8):
        await sent(client, alice, bob, f"m{n}")

    assert [m["seq"] for m in await history(client, bob, alice, after_seq=4)] == [5, 6, 7]
    assert [m["seq"] for m in await history(client, bob, alice, after_seq=0, limit=2)] == [1, 2]
    assert await history(client, bob, alice, after_seq=7) == []


async def test_history_query_limits(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    url = f"{CHAT}/chat-history/{bob.id}"
    for params in (
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"after_seq": -1},
        {"limit": "many"},
        {"sort": "asc"},
    ):
        response = await client.get(url, params=params, headers=alice.headers)
        assert_error(response, 422, "validation_error")


async def test_history_with_nobody_is_404_with_someone_new_is_empty(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    for other in ("-1", "0", "999", str(2**31), "abc"):
        response = await client.get(f"{CHAT}/chat-history/{other}", headers=alice.headers)
        assert_error(response, 404, "not_found")
    response = await client.get(f"{CHAT}/chat-history/{bob.id}", headers=alice.headers)
    assert response.status_code == 200 and response.json() == []


async def test_conversation_list(client, server):
    alice = await person(client, "alice@example.com", username="alice", fullname="Alice A")
    bob = await person(client, "bob@example.com", username="bob", fullname="Bob B")
    agent = await person(client, "agent@example.com", user_type="agent", username="agent")
    listing = await create_listing(client, agent, title="Lekki flat")
    await sent(client, alice, bob, "hi bob")
    await sent(client, bob, alice, "hi alice")
    last_with_bob = await sent(client, bob, alice, "how are you?")
    about = await sent(client, alice, agent, "is it free?", property_id=listing["id"])

    items = (await conversations(client, alice))["items"]
    assert [i["conversation_id"] for i in items] == [
        about["conversation_id"],
        last_with_bob["conversation_id"],
    ]
    assert all(set(i) == CONVERSATION_KEYS for i in items)
    with_agent, with_bob = items
    assert set(with_bob["other_user"]) == OTHER_USER_KEYS
    assert with_bob["other_user"] == {
        "id": bob.id,
        "username": "bob",
        "fullname": "Bob B",
        "avatar_url": None,
        "online": False,
    }
    assert with_bob["last_message"] == last_with_bob
    assert with_bob["last_seq"] == 3
    assert with_bob["unread_count"] == 2
    assert with_bob["property"] is None
    assert with_agent["property"] == {"id": listing["id"], "title": "Lekki flat"}
    assert with_agent["unread_count"] == 0  # alice wrote the last message
    assert with_agent["last_message"]["property_id"] == listing["id"]

    agent_view = (await conversations(client, agent))["items"]
    assert [i["other_user"]["id"] for i in agent_view] == [alice.id]
    assert agent_view[0]["unread_count"] == 1
    assert agent_view[0]["property"] == {"id": listing["id"], "title": "Lekki flat"}


async def test_online_while_the_other_holds_a_socket(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    await sent(client, alice, bob, "hi")

    async def bob_online():
        return (await conversations(client, alice))["items"][0]["other_user"]["online"]

    assert await bob_online() is False
    async with open_ws(server, bob.token):
        assert await bob_online() is True
        async with open_ws(server, bob.token):
            assert await bob_online() is True
        assert await bob_online() is True  # one socket closed, one still open
    assert await wait_until(lambda: _is(bob_online(), False)), "bob still online after closing"


async def _is(awaitable, expected):
    return await awaitable is expected


async def test_conversation_first_page_and_one_big_page(client):
    alice = await person(client, "alice@example.com")
    await User.bulk_create([User(email=f"u{n}@example.com", password_hash="x") for n in range(25)])
    rows = User.filter(email__startswith="u").order_by("id")
    others = list(await rows.values_list("id", flat=True))
    for other in others:
        await sent(client, alice, other, f"hello {other}")
    await sent(client, alice, others[3], "again")
    expected = [others[3]] + [o for o in reversed(others) if o != others[3]]

    first = await conversations(client, alice, limit=10)
    assert [i["other_user"]["id"] for i in first["items"]] == expected[:10]
    assert isinstance(first["next_cursor"], str) and first["next_cursor"]
    everything = await conversations(client, alice, limit=100)
    assert [i["other_user"]["id"] for i in everything["items"]] == expected
    assert everything["next_cursor"] is None
    assert [i["other_user"]["id"] for i in (await conversations(client, alice))["items"]] == (
        expected[:20]  # default limit 20
    )


async def test_conversation_pages_newest_first_each_once(client):
    alice = await person(client, "alice@example.com")
    # the others only receive: accounts straight in the table (register allows 10 an hour)
    await User.bulk_create([User(email=f"u{n}@example.com", password_hash="x") for n in range(25)])
    others = list(await User.filter(email__startswith="u").order_by("id"))
    for other in others:
        await sent(client, alice, other.id, f"hello {other.id}")
    # an old conversation written to again moves to the top
    await sent(client, alice, others[3].id, "again")
    expected = [others[3].id] + [o.id for o in reversed(others) if o.id != others[3].id]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        body = await conversations(client, alice, **params)
        seen += [i["other_user"]["id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "the cursor never ends"
    assert seen == expected
    assert pages == 3


async def test_conversation_list_query_refusals(client):
    alice = await person(client, "alice@example.com")
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "garbage"}):
        response = await client.get(f"{CHAT}/conversations", params=params, headers=alice.headers)
        assert_error(response, 422, "validation_error")


async def test_unread_count(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    dave = await person(client, "dave@example.com")
    assert await unread(client, alice) == {"total_unread": 0, "conversations_with_unread": 0}
    for n in range(3):
        from_bob = await sent(client, bob, alice, f"b{n}")
    for n in range(2):
        await sent(client, carol, alice, f"c{n}")
    await sent(client, alice, dave, "my own messages are never unread")

    assert await unread(client, alice) == {"total_unread": 5, "conversations_with_unread": 2}
    response = await client.post(
        f"{CHAT}/conversations/{from_bob['conversation_id']}/read",
        json={"up_to_seq": 3},
        headers=alice.headers,
    )
    assert response.status_code == 204, response.text
    assert await unread(client, alice) == {"total_unread": 2, "conversations_with_unread": 1}
    # marking read never moves back, and never past the last message
    for up_to in (1, 99):
        response = await client.post(
            f"{CHAT}/conversations/{from_bob['conversation_id']}/read",
            json={"up_to_seq": up_to},
            headers=alice.headers,
        )
        assert response.status_code == 204, response.text
    assert await unread(client, alice) == {"total_unread": 2, "conversations_with_unread": 1}
    await sent(client, bob, alice, "a new one")
    assert await unread(client, alice) == {"total_unread": 3, "conversations_with_unread": 2}
    assert await unread(client, dave) == {"total_unread": 1, "conversations_with_unread": 1}
