"""The whole deal over HTTP, then the background loop ending it (API.md "Appointments",
"Payments and contracts", "Notifications"; DESIGN.md "The background loop"): a rental is
booked, paid and confirmed; when its end_date has passed one tick expires it, gives the
listing back, tells both parties once (stored and pushed live), and a second tick does
nothing. The listing then takes a new deal."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sheda.contracts.models import Contract
from sheda.jobs.loop import tick
from tests.chat.helpers import open_ws, ping_pong, recv
from tests.deals import (
    APPOINTMENTS,
    AVAILABILITY,
    CONTRACTS,
    Account,
    account,
    act,
    agent,
    at,
    book,
    iso,
    set_payment_account,
    start_contract,
)
from tests.frames import checked
from tests.jobs.helpers import (
    PROPERTIES,
    notifications,
    now,
    spread_user_ids,
    token_of,
    told,
)

PRICE = Decimal("1500000.00")
MONTHS = 12


def listing_body() -> dict[str, Any]:
    return {
        "title": "Bright two-bedroom flat",
        "description": "Close to the lagoon, with a borehole and steady power.",
        "property_type": "apartment",
        "listing_type": "rent",
        "price": float(PRICE),
        "address": "12 Admiralty Way, Lekki Phase 1",
        "city": "Lagos",
        "state": "Lagos",
        "bedrooms": 2,
        "bathrooms": 2,
    }


async def property_status(client, property_id: int) -> str:
    response = await client.get(f"{PROPERTIES}/{property_id}")
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def contract_of(client, person: Account, contract_id: int) -> dict[str, Any]:
    response = await client.get(f"{CONTRACTS}/{contract_id}", headers=person.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def deal_until_rented(client, ada: Account, carol: Account) -> tuple[int, dict[str, Any]]:
    """Availability, payment account, a listing, a viewing inside a slot, payment details,
    the contract, the payment and its confirmation, each step over HTTP."""
    slots = [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(7)]
    response = await client.put(AVAILABILITY, headers=ada.headers, json={"slots": slots})
    assert response.status_code == 200, response.text
    await set_payment_account(client, ada)
    response = await client.post(PROPERTIES, headers=ada.headers, json=listing_body())
    assert response.status_code == 201, response.text
    property_id = response.json()["id"]
    assert response.headers["location"].endswith(f"/{property_id}")
    assert await property_status(client, property_id) == "available"

    # The availability is in force: 20:00 is outside every slot, 10:00 inside one.
    outside = await client.post(
        APPOINTMENTS, headers=carol.headers,
        json={"property_id": property_id, "scheduled_at": iso(at(2, hour=20))},
    )  # fmt: skip
    assert outside.status_code == 422, outside.text
    viewing = await book(client, carol, property_id, at(2, hour=10))
    assert viewing["status"] == "pending"
    viewing = await act(client, ada, "PATCH", f"{APPOINTMENTS}/{viewing['id']}/confirm")
    assert viewing["status"] == "confirmed"

    details = await act(
        client, carol, "GET", f"{APPOINTMENTS}/{viewing['id']}/payment-details",
        params={"months": MONTHS},
    )  # fmt: skip
    assert Decimal(str(details["amount"])) == PRICE * MONTHS
    assert details["account"] == {
        "bank_name": "Zenith", "account_name": "Ada Agent", "account_number": "0123456789",
    }  # fmt: skip

    contract = await start_contract(client, carol, property_id, viewing["id"], months=MONTHS)
    assert contract["status"] == "awaiting_payment"
    assert Decimal(str(contract["amount"])) == PRICE * MONTHS
    assert await property_status(client, property_id) == "pending"
    url = f"{CONTRACTS}/{contract['id']}"
    paid = await act(
        client, carol, "PATCH", f"{url}/payment-submitted", json={"payment_reference": "TRF-1"}
    )
    assert paid["status"] == "payment_submitted"
    active = await act(client, ada, "PATCH", f"{url}/confirm-payment")
    assert active["status"] == "active"
    assert active["start_date"] and active["end_date"] and active["end_date"] > active["start_date"]
    assert await property_status(client, property_id) == "rented"
    return property_id, active


async def notification_frame(ws, event: str, contract_id: int) -> dict[str, Any]:
    """The first ``notification`` frame of ``event`` about ``contract_id`` (others, such as
    presence frames, are skipped); fails when none comes within the wait."""
    while True:
        frame = await recv(ws)
        if (
            frame.get("type") == "notification"
            and frame.get("event") == event
            and frame.get("data", {}).get("contract_id") == contract_id
        ):
            return frame


async def no_notification(ws, wait: float = 1.0) -> None:
    """Nothing of type ``notification`` arrives within ``wait`` seconds."""
    await ping_pong(ws)
    try:
        while True:
            frame = checked(await asyncio.wait_for(ws.recv(), wait))
            assert frame.get("type") != "notification", frame
    except TimeoutError:
        return


async def test_deal_expires_and_the_listing_takes_a_new_one(client, server):
    rt = server.app.ctx.runtime
    await spread_user_ids()
    ada = await agent(client)
    carol = await account(client, "carol@example.com")
    property_id, active = await deal_until_rented(client, ada, carol)
    contract_id = active["id"]

    # The rental's end has come (only the clock could do it otherwise).
    await Contract.filter(id=contract_id).update(end_date=now() - timedelta(minutes=1))

    async with open_ws(server, token_of(carol)) as ws:
        await ping_pong(ws)
        result = await tick(rt)
        assert result["expire_contracts"] == 1
        frame = await notification_frame(ws, "contract.expired", contract_id)
        assert frame["data"]["property_id"] == property_id

        contract = await contract_of(client, carol, contract_id)
        assert contract["status"] == "expired"
        assert await property_status(client, property_id) == "available"
        carol_told = told(await notifications(client, carol), "contract.expired", "contract_id",
                          contract_id)  # fmt: skip
        ada_told = told(await notifications(client, ada), "contract.expired", "contract_id",
                        contract_id)  # fmt: skip
        assert len(carol_told) == 1 and len(ada_told) == 1
        assert carol_told[0]["id"] == frame["id"]  # the frame names the stored notification
        assert carol_told[0]["data"]["property_id"] == property_id

        # A second tick: nothing left to do, nobody told anything.
        before = (len(await notifications(client, carol)), len(await notifications(client, ada)))
        again = await tick(rt)
        assert again["expire_contracts"] == 0
        await no_notification(ws)
        after = (len(await notifications(client, carol)), len(await notifications(client, ada)))
        assert after == before
        assert (await contract_of(client, ada, contract_id))["status"] == "expired"
        assert await property_status(client, property_id) == "available"

    # The listing is free again: a new viewing and a new contract on it.
    viewing = await book(client, carol, property_id, at(3, hour=11))
    await act(client, ada, "PATCH", f"{APPOINTMENTS}/{viewing['id']}/confirm")
    second = await start_contract(client, carol, property_id, viewing["id"], months=6)
    assert second["id"] != contract_id
    assert second["status"] == "awaiting_payment"
    assert await property_status(client, property_id) == "pending"
    assert (await contract_of(client, carol, contract_id))["status"] == "expired"


async def test_the_agent_socket_is_told_too(client, server):
    rt = server.app.ctx.runtime
    await spread_user_ids()
    ada = await agent(client)
    carol = await account(client, "carol@example.com")
    _, active = await deal_until_rented(client, ada, carol)
    await Contract.filter(id=active["id"]).update(end_date=now() - timedelta(seconds=1))
    async with open_ws(server, token_of(ada)) as agent_ws, open_ws(server, token_of(carol)) as ws:
        await ping_pong(agent_ws)
        await ping_pong(ws)
        await tick(rt)
        to_agent = await notification_frame(agent_ws, "contract.expired", active["id"])
        to_client = await notification_frame(ws, "contract.expired", active["id"])
    assert to_agent["id"] != to_client["id"]  # one stored notification for each party
