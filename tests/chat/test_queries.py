"""The chat reads run a fixed number of SQL statements however many conversations or
messages there are (no N+1), counted from Tortoise's statement log on both backends."""

from __future__ import annotations

from sheda.users.models import User
from tests.chat.helpers import (
    CHAT,
    create_listing,
    expect,
    open_ws,
    person,
    send_json,
    sent,
    sql_statements,
)


async def receivers(prefix: str, count: int) -> list[int]:
    """Accounts that only receive, straight in the table (register allows 10 an hour)."""
    await User.bulk_create(
        [User(email=f"{prefix}{n}@example.com", password_hash="x") for n in range(count)]
    )
    return list(
        await User.filter(email__startswith=prefix).order_by("id").values_list("id", flat=True)
    )


async def counted(client, who, path: str, **params) -> tuple[int, object]:
    with sql_statements() as statements:
        response = await client.get(f"{CHAT}{path}", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    return len(statements), response.json()


async def test_conversation_list_query_count_does_not_grow(client):
    alice = await person(client, "alice@example.com")
    agent = await person(client, "agent@example.com", user_type="agent")
    listing = await create_listing(client, agent)
    ids = await receivers("r", 25)
    for n, other in enumerate(ids[:3]):
        # some name a listing, some have unread messages: every branch of the item is used
        await sent(client, alice, other, "hello", property_id=listing["id"] if n % 2 else None)
    few, body = await counted(client, alice, "/conversations", limit=100)
    assert len(body["items"]) == 3

    for n, other in enumerate(ids[3:]):
        await sent(client, alice, other, "hello", property_id=listing["id"] if n % 2 else None)
    many, body = await counted(client, alice, "/conversations", limit=100)
    assert len(body["items"]) == 25
    assert sum(1 for item in body["items"] if item["property"]) >= 12

    assert few == many, (few, many)
    assert 2 <= many <= 8, many  # the counter does see the real statements


async def test_history_query_count_does_not_grow(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    for n in range(5):
        await sent(client, *((alice, bob) if n % 2 else (bob, alice)), f"m{n}")
    few, body = await counted(client, alice, f"/chat-history/{bob.id}", limit=200)
    few_after, _ = await counted(client, alice, f"/chat-history/{bob.id}", after_seq=0, limit=200)
    assert len(body) == 5

    for n in range(95):
        await sent(client, *((alice, bob) if n % 2 else (bob, alice)), f"m{n}")
    many, body = await counted(client, alice, f"/chat-history/{bob.id}", limit=200)
    many_after, _ = await counted(client, alice, f"/chat-history/{bob.id}", after_seq=0, limit=200)
    assert len(body) == 100

    assert few == many, (few, many)
    assert few_after == many_after, (few_after, many_after)
    assert 2 <= many <= 5, many


async def test_unread_count_query_count_does_not_grow(client):
    alice = await person(client, "alice@example.com")
    ids = await receivers("r", 20)
    for other in ids[:2]:
        await sent(client, alice, other, "hi")
    few, _ = await counted(client, alice, "/unread-count")
    for other in ids[2:]:
        await sent(client, alice, other, "hi")
    many, _ = await counted(client, alice, "/unread-count")
    assert few == many, (few, many)
    assert 1 <= many <= 3, many


async def test_sync_query_count_does_not_grow(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")

    async def sync_statements(expected_frames: int) -> int:
        async with open_ws(server, bob.token) as b:
            with sql_statements() as statements:
                seen = {str(cid_a): 0, str(cid_c): 0}
                await send_json(b, {"type": "sync", "conversations": seen})
                for _ in range(expected_frames):
                    await expect(b, "message")
                await expect(b, "synced")
            return len(statements)

    cid_a = (await sent(client, alice, bob, "a"))["conversation_id"]
    cid_c = (await sent(client, carol, bob, "c"))["conversation_id"]
    few = await sync_statements(2)
    for n in range(30):
        await sent(client, alice if n % 2 else carol, bob, f"m{n}")
    many = await sync_statements(32)
    assert few == many, (few, many)
