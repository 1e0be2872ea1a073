"""GET /api/v1/admin/stats (API.md "Admin"): counts of users, listings by status,
appointments, contracts by status and messages today."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sheda.appointments.models import Appointment
from sheda.chat.models import Conversation, Message
from sheda.common.clock import utcnow
from sheda.contracts.models import Contract
from sheda.users.models import Role, User
from tests.deals import account, admin, listing
from tests.inquiries.helpers import sql_statements
from tests.support import assert_error

STATS = "/api/v1/admin/stats"


async def test_stats_need_an_admin(client):
    assert_error(await client.get(STATS), 401, "unauthorized")
    person = await account(client, "someone@example.com")
    assert_error(await client.get(STATS, headers=person.headers), 403, "forbidden")


async def test_an_empty_platform_counts_zero_in_every_state(client):
    root = await admin(client)

    response = await client.get(STATS, headers=root.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["users"] == {"total": 1, "clients": 1, "agents": 0, "admins": 1, "deactivated": 0}
    assert body["listings"] == {"available": 0, "pending": 0, "rented": 0, "sold": 0, "inactive": 0}
    assert body["appointments"] == dict.fromkeys(
        ("pending", "confirmed", "rejected", "canceled", "completed"), 0
    )
    assert body["contracts"] == dict.fromkeys(
        ("awaiting_payment", "payment_submitted", "active", "declined", "canceled", "expired",
         "completed"),
        0,
    )
    assert body["messages_today"] == 0


async def _platform() -> None:
    """3 clients (one deactivated, one deleted), 2 agents; listings, viewings, deals and
    messages in known states."""
    clients = [await User.create(email=f"c{n}@example.com", password_hash="x") for n in range(3)]
    await User.filter(id=clients[1].id).update(is_active=False)
    await User.filter(id=clients[2].id).update(deleted_at=utcnow())
    agents = [
        await User.create(email=f"a{n}@example.com", password_hash="x", user_type="agent")
        for n in range(2)
    ]
    homes = [
        await listing(agents[0].id, status="available"),
        await listing(agents[0].id, status="available"),
        await listing(agents[0].id, status="pending"),
        await listing(agents[1].id, status="rented"),
        await listing(agents[1].id, status="sold", listing_type="sale"),
        await listing(agents[1].id, status="available", is_active=False),
    ]
    start = utcnow() + timedelta(days=1)
    for n, status in enumerate(["pending", "pending", "confirmed", "canceled", "completed"]):
        await Appointment.create(
            property_id=homes[0].id, client_id=clients[0].id, agent_id=agents[0].id,
            scheduled_at=start + timedelta(hours=2 * n),
            ends_at=start + timedelta(hours=2 * n + 1),
            duration_minutes=60, status=status,
        )
    for home, status in [(homes[2], "awaiting_payment"), (homes[3], "active"),
                         (homes[4], "active"), (homes[0], "declined")]:
        await Contract.create(
            property_id=home.id, client_id=clients[0].id, agent_id=home.agent_id,
            contract_type=home.listing_type, amount=Decimal("10.00"), status=status,
        )
    pair = await Conversation.create(user_low_id=clients[0].id, user_high_id=agents[0].id)
    yesterday = utcnow() - timedelta(days=1, minutes=1)
    for seq in range(1, 6):
        row = await Message.create(
            conversation_id=pair.id, seq=seq, sender_id=clients[0].id,
            receiver_id=agents[0].id, body=f"m{seq}",
        )
        if seq <= 2:  # two of them were sent before today
            await Message.filter(id=row.id).update(created_at=yesterday)


async def test_counts_follow_the_data(client):
    root = await admin(client)
    await _platform()

    body = (await client.get(STATS, headers=root.headers)).json()

    # the admin (a client account) + 2 live clients of 3 (one deleted) + 2 agents
    assert body["users"] == {"total": 5, "clients": 3, "agents": 2, "admins": 1, "deactivated": 1}
    assert body["listings"] == {"available": 2, "pending": 1, "rented": 1, "sold": 1, "inactive": 1}
    assert body["appointments"] == {
        "pending": 2, "confirmed": 1, "rejected": 0, "canceled": 1, "completed": 1,
    }
    assert body["contracts"] == {
        "awaiting_payment": 1, "payment_submitted": 0, "active": 2, "declined": 1,
        "canceled": 0, "expired": 0, "completed": 0,
    }
    assert body["messages_today"] == 3


async def test_a_fixed_number_of_queries_whatever_the_size(client):
    root = await admin(client)
    with sql_statements() as small:
        assert (await client.get(STATS, headers=root.headers)).status_code == 200
    await _platform()
    await User.bulk_create(
        [User(email=f"more{n}@example.com", password_hash="x", role=Role.USER) for n in range(40)]
    )
    with sql_statements() as large:
        assert (await client.get(STATS, headers=root.headers)).status_code == 200
    assert len(large) == len(small)
    assert len(small) <= 12  # the session check plus one query per count
