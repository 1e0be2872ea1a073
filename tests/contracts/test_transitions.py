"""The contract's moves that succeed: payment submitted, confirmed or declined, canceled,
expired; what they do to the listing and whom they tell (API.md "Payments and contracts",
"Notifications")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sheda.contracts.models import Contract
from sheda.contracts.service import add_months
from tests.contracts.helpers import (
    CONTRACT_EVENT_KEYS,
    another_viewer,
    cancel,
    confirm,
    contract_events,
    contract_in,
    contract_url,
    decline,
    event_names,
    expire,
    now,
    open_contract,
    parse,
    plus_months,
    property_status,
    ready_deal,
    submit,
)
from tests.deals import CONTRACTS, act, admin, start_contract
from tests.support import assert_error

# Fields a move never touches.
FIXED = ("id", "property_id", "client_id", "agent_id", "appointment_id", "contract_type",
         "amount", "rental_period_months", "created_at")


def unchanged(before, after):
    assert {k: after[k] for k in FIXED} == {k: before[k] for k in FIXED}


async def test_payment_submitted_stores_the_reference(client):
    deal = await ready_deal(client)
    created = await open_contract(client, deal)

    body = await submit(client, deal, created, payment_reference="TRF-2026-0042")

    assert body["status"] == "payment_submitted"
    assert body["payment_reference"] == "TRF-2026-0042"
    assert body["start_date"] is None and body["end_date"] is None
    unchanged(created, body)
    assert parse(body["updated_at"]) >= parse(created["updated_at"])
    row = await Contract.get(id=created["id"])
    assert (row.status, row.payment_reference) == ("payment_submitted", "TRF-2026-0042")
    assert await property_status(client, deal.property_id) == "pending"
    fetched = await act(client, deal.agent, "GET", contract_url(created))
    assert fetched == body


async def test_payment_submitted_without_a_body_or_reference(client):
    deal = await ready_deal(client)
    created = await open_contract(client, deal)

    body = await act(client, deal.client, "PATCH", contract_url(created, "payment-submitted"))

    assert body["status"] == "payment_submitted"
    assert body["payment_reference"] is None


@pytest.mark.parametrize("reference", ["", "x" * 101, 42])
async def test_a_bad_reference_is_422(client, reference):
    deal = await ready_deal(client)
    created = await open_contract(client, deal)

    response = await client.patch(
        contract_url(created, "payment-submitted"),
        headers=deal.client.headers,
        json={"payment_reference": reference},
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.payment_reference"]
    assert (await Contract.get(id=created["id"])).status == "awaiting_payment"


async def test_an_unknown_field_on_payment_submitted_is_422(client):
    deal = await ready_deal(client)
    created = await open_contract(client, deal)

    response = await client.patch(
        contract_url(created, "payment-submitted"),
        headers=deal.client.headers,
        json={"payment_reference": "T1", "amount": 1},
    )

    assert_error(response, 422, "validation_error")
    assert (await Contract.get(id=created["id"])).status == "awaiting_payment"


@pytest.mark.parametrize("months", [12, 3, 1])
async def test_confirming_a_rental_makes_it_active_and_the_listing_rented(client, months):
    deal = await ready_deal(client)
    viewing_id = deal.viewing["id"]
    created = await start_contract(client, deal.client, deal.property_id, viewing_id, months)
    submitted = await submit(client, deal, created, payment_reference="T1")
    before = now()

    body = await confirm(client, deal, submitted)

    after = now()
    assert body["status"] == "active"
    start = parse(body["start_date"])
    assert before - timedelta(seconds=1) <= start <= after + timedelta(seconds=1)
    assert parse(body["end_date"]) == plus_months(start, months)
    assert body["payment_reference"] == "T1"
    assert await property_status(client, deal.property_id) == "rented"
    row = await Contract.get(id=created["id"])
    assert row.status == "active" and row.end_date == plus_months(row.start_date, months)


async def test_confirming_a_sale_makes_the_listing_sold_without_an_end(client):
    deal = await ready_deal(client, listing_type="sale", price=Decimal("90000.00"))
    created = await open_contract(client, deal)
    await submit(client, deal, created)

    body = await confirm(client, deal, created)

    assert body["status"] == "active"
    assert body["start_date"] is not None
    assert body["end_date"] is None
    assert await property_status(client, deal.property_id) == "sold"


async def test_declining_frees_the_listing(client):
    deal = await ready_deal(client)
    created = await open_contract(client, deal)
    await submit(client, deal, created, payment_reference="T1")

    body = await decline(client, deal, created)

    assert body["status"] == "declined"
    assert body["start_date"] is None and body["end_date"] is None
    unchanged(created, body)
    assert await property_status(client, deal.property_id) == "available"


async def test_canceling_before_payment_frees_the_listing(client):
    deal = await ready_deal(client)
    created = await open_contract(client, deal)

    body = await cancel(client, deal, created)

    assert body["status"] == "canceled"
    unchanged(created, body)
    assert await property_status(client, deal.property_id) == "available"
    assert (await Contract.get(id=created["id"])).status == "canceled"  # kept on record


async def test_an_admin_expires_an_active_contract(client):
    deal = await ready_deal(client)
    root = await admin(client)
    active = await contract_in(client, deal, "active")

    body = await expire(client, root, active)

    assert body["status"] == "expired"
    assert (body["start_date"], body["end_date"]) == (active["start_date"], active["end_date"])
    assert await property_status(client, deal.property_id) == "available"


async def test_a_sale_does_not_expire(client):
    deal = await ready_deal(client, listing_type="sale")
    root = await admin(client)
    sold = await contract_in(client, deal, "active")
    assert sold["end_date"] is None

    response = await client.patch(contract_url(sold, "expire"), headers=root.headers)

    assert_error(response, 409, "conflict")
    assert (await Contract.get(id=sold["id"])).status == "active"
    assert await property_status(client, deal.property_id) == "sold"


async def test_the_parties_may_not_expire(client):
    deal = await ready_deal(client)
    active = await contract_in(client, deal, "active")

    for person in (deal.client, deal.agent):
        response = await client.patch(contract_url(active, "expire"), headers=person.headers)
        assert_error(response, 403, "forbidden")
    assert (await Contract.get(id=active["id"])).status == "active"
    assert await property_status(client, deal.property_id) == "rented"


# --- notifications ----------------------------------------------------------------------


def assert_about(notification, contract, deal):
    data = notification["data"]
    assert set(data) == CONTRACT_EVENT_KEYS
    assert data["contract_id"] == contract["id"]
    assert data["property_id"] == deal.property_id
    assert data["appointment_id"] == deal.viewing["id"]
    assert isinstance(data["summary"], str) and data["summary"]


async def test_paying_and_confirming_tell_the_other_party_once_each(client):
    deal = await ready_deal(client)
    root = await admin(client)
    created = await open_contract(client, deal)

    await submit(client, deal, created)
    assert await event_names(client, deal.agent) == [
        "contract.created", "contract.payment_submitted",
    ]
    assert await event_names(client, deal.client) == []

    await confirm(client, deal, created)
    assert await event_names(client, deal.client) == ["contract.active"]
    assert len(await event_names(client, deal.agent)) == 2

    await expire(client, root, created)
    agent_told = await contract_events(client, deal.agent)
    client_told = await contract_events(client, deal.client)
    assert [n["event"] for n in agent_told] == [
        "contract.created", "contract.payment_submitted", "contract.expired",
    ]
    assert [n["event"] for n in client_told] == ["contract.active", "contract.expired"]
    for notification in agent_told + client_told:
        assert_about(notification, created, deal)
    assert await event_names(client, root) == []


async def test_declining_tells_the_client_once(client):
    deal = await ready_deal(client)
    created = await open_contract(client, deal)
    await submit(client, deal, created)

    await decline(client, deal, created)

    client_told = await contract_events(client, deal.client)
    assert [n["event"] for n in client_told] == ["contract.declined"]
    assert_about(client_told[0], created, deal)
    assert await event_names(client, deal.agent) == [
        "contract.created", "contract.payment_submitted",
    ]


async def test_canceling_tells_the_agent_once(client):
    deal = await ready_deal(client)
    created = await open_contract(client, deal)

    await cancel(client, deal, created)

    agent_told = await contract_events(client, deal.agent)
    assert [n["event"] for n in agent_told] == ["contract.created", "contract.canceled"]
    assert_about(agent_told[1], created, deal)
    assert await event_names(client, deal.client) == []


# --- a closed contract frees the listing --------------------------------------------------


@pytest.mark.parametrize("state", ["declined", "canceled", "expired"])
async def test_a_new_contract_after_a_closed_one(client, state):
    deal = await ready_deal(client)
    root = await admin(client)
    # Dave's viewing first: a rented listing takes no more viewings.
    dave, dave_viewing = await another_viewer(client, deal, "dave@example.com")
    closed = await contract_in(client, deal, state, admin=root)
    assert closed["status"] == state

    response = await client.post(
        f"{CONTRACTS}/{deal.property_id}",
        headers=dave.headers,
        json={"appointment_id": dave_viewing["id"], "rental_period_months": 6},
    )

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "awaiting_payment"
    assert await property_status(client, deal.property_id) == "pending"
    statuses = dict(await Contract.all().values_list("id", "status"))
    assert statuses == {closed["id"]: state, response.json()["id"]: "awaiting_payment"}


async def test_the_same_client_may_try_again_after_canceling(client):
    deal = await ready_deal(client)
    await contract_in(client, deal, "canceled")

    again = await open_contract(client, deal)

    assert again["status"] == "awaiting_payment"
    assert await property_status(client, deal.property_id) == "pending"


# --- calendar months ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ((2027, 1, 31), 1, (2027, 2, 28)),
        ((2028, 1, 31), 1, (2028, 2, 29)),
        ((2027, 8, 31), 6, (2028, 2, 29)),
        ((2027, 3, 31), 1, (2027, 4, 30)),
        ((2027, 12, 15), 1, (2028, 1, 15)),
        ((2028, 2, 29), 12, (2029, 2, 28)),
        ((2027, 5, 10), 120, (2037, 5, 10)),
    ],
)
def test_end_date_counts_calendar_months(start, months, end):
    moment = datetime(*start, 9, 30, 15, 123456, tzinfo=UTC)

    assert add_months(moment, months) == datetime(*end, 9, 30, 15, 123456, tzinfo=UTC)
    assert plus_months(moment, months) == add_months(moment, months)  # the tests' own rule
