"""GET /api/v1/appointments/{id}/payment-details: what a deal costs and where to pay
(API.md "Payments and contracts")."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sheda.properties.models import Property
from tests.contracts.helpers import completed_viewing, ready_deal
from tests.deals import (
    APPOINTMENTS,
    account,
    act,
    agent,
    at,
    book,
    confirmed_viewing,
    listing,
    set_payment_account,
    start_contract,
)
from tests.support import assert_error

DETAILS_KEYS = {"amount", "monthly_price", "currency", "account", "property"}


def details_url(appointment_id: int) -> str:
    return f"{APPOINTMENTS}/{appointment_id}/payment-details"


async def details(client, person, appointment_id, **params):
    response = await client.get(details_url(appointment_id), headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    return response


def money(response, *path):
    """A value of the body read with JSON numbers as Decimal (no float rounding)."""
    value = json.loads(response.text, parse_float=Decimal, parse_int=Decimal)
    for key in path:
        value = value[key]
    return value


async def test_rent_costs_twelve_months_by_default(client):
    deal = await ready_deal(client, price=Decimal("1000.00"))

    response = await details(client, deal.client, deal.viewing["id"])

    body = response.json()
    assert set(body) == DETAILS_KEYS
    assert money(response, "amount") == Decimal("12000.00")
    assert money(response, "monthly_price") == Decimal("1000.00")
    assert body["currency"] == "NGN"  # the default setting
    assert body["account"] == {
        "bank_name": "Zenith",
        "account_name": "Ada Agent",
        "account_number": "0123456789",
    }
    shown = body["property"]
    assert shown["id"] == deal.property_id
    assert shown["title"] == deal.listing.title
    assert shown["listing_type"] == "rent"
    assert money(response, "property", "price") == Decimal("1000.00")


@pytest.mark.parametrize("months", [1, 6, 120])
async def test_rent_costs_the_months_asked_for(client, months):
    deal = await ready_deal(client, price=Decimal("1500.00"))

    response = await details(client, deal.client, deal.viewing["id"], months=months)

    assert money(response, "amount") == Decimal("1500.00") * months
    assert money(response, "monthly_price") == Decimal("1500.00")


@pytest.mark.parametrize(
    ("price", "months", "amount"),
    [
        ("1234.56", 3, "3703.68"),
        # 19.99 * 7 in binary floating point is 139.92999999999998: the sum must be decimal
        ("19.99", 7, "139.93"),
        ("0.10", 3, "0.30"),
    ],
)
async def test_money_is_a_number_with_two_decimals_at_most(client, price, months, amount):
    deal = await ready_deal(client, price=Decimal(price))

    response = await details(client, deal.client, deal.viewing["id"], months=months)

    assert isinstance(response.json()["amount"], float | int)  # a JSON number, not a string
    assert money(response, "amount") == Decimal(amount)
    raw = json.loads(response.text, parse_float=str)["amount"]
    assert len(raw.partition(".")[2]) <= 2, raw


async def test_sale_costs_the_price(client):
    deal = await ready_deal(client, listing_type="sale", price=Decimal("250000.50"))

    response = await details(client, deal.client, deal.viewing["id"])

    body = response.json()
    assert set(body) == DETAILS_KEYS
    assert money(response, "amount") == Decimal("250000.50")
    assert body["monthly_price"] is None
    assert body["property"]["listing_type"] == "sale"


async def test_completed_viewing_also_shows_details(client):
    ada = await agent(client)
    await set_payment_account(client, ada)
    flat = await listing(ada.id, price=Decimal("800.00"))
    carol = await account(client, "carol@example.com")
    viewing = await completed_viewing(client, carol, ada, flat.id)
    assert viewing["status"] == "completed"

    response = await details(client, carol, viewing["id"], months=2)

    assert money(response, "amount") == Decimal("1600.00")


@pytest.mark.parametrize("months", ["0", "121", "-1", "x", "1.5"])
async def test_months_out_of_range_is_422(client, months):
    deal = await ready_deal(client)

    response = await client.get(
        details_url(deal.viewing["id"]), headers=deal.client.headers, params={"months": months}
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["query.months"]


async def test_unknown_query_parameter_is_422(client):
    deal = await ready_deal(client)

    response = await client.get(
        details_url(deal.viewing["id"]), headers=deal.client.headers, params={"amount": "1"}
    )

    assert_error(response, 422, "validation_error")


async def viewing_in(client, state):
    """A client's viewing of an agent's listing (the agent has a payment account) in the
    given state."""
    ada = await agent(client)
    await set_payment_account(client, ada)
    flat = await listing(ada.id)
    carol = await account(client, "carol@example.com")
    booked = await book(client, carol, flat.id, at(days=4))
    path = f"{APPOINTMENTS}/{booked['id']}"
    if state == "rejected":
        await act(client, ada, "PATCH", f"{path}/reject", json={"reason": "Let already"})
    elif state == "canceled":
        await act(client, carol, "DELETE", path)
    return carol, booked["id"]


@pytest.mark.parametrize("state", ["pending", "rejected", "canceled"])
async def test_viewing_not_confirmed_is_409(client, state):
    carol, viewing_id = await viewing_in(client, state)

    response = await client.get(details_url(viewing_id), headers=carol.headers)

    assert_error(response, 409, "conflict")


async def test_agent_without_payment_account_is_409(client):
    deal = await ready_deal(client, payment_account=False)

    response = await client.get(details_url(deal.viewing["id"]), headers=deal.client.headers)

    assert_error(response, 409, "conflict")


async def test_payment_account_added_later_is_shown(client):
    deal = await ready_deal(client, payment_account=False)
    await set_payment_account(client, deal.agent)

    response = await details(client, deal.client, deal.viewing["id"])

    assert response.json()["account"]["account_number"] == "0123456789"


async def test_the_agent_party_is_403(client):
    deal = await ready_deal(client)

    response = await client.get(details_url(deal.viewing["id"]), headers=deal.agent.headers)

    assert_error(response, 403, "forbidden")


async def test_a_stranger_is_404(client):
    deal = await ready_deal(client)
    dave = await account(client, "dave@example.com")
    other_agent = await agent(client, "other-agent@example.com")

    for person in (dave, other_agent):
        response = await client.get(details_url(deal.viewing["id"]), headers=person.headers)
        assert_error(response, 404, "not_found")


async def test_unknown_or_malformed_appointment_is_404(client):
    deal = await ready_deal(client)

    for appointment_id in (deal.viewing["id"] + 1000, "abc"):
        response = await client.get(details_url(appointment_id), headers=deal.client.headers)
        assert_error(response, 404, "not_found")


async def test_needs_a_token(client):
    deal = await ready_deal(client)

    response = await client.get(details_url(deal.viewing["id"]))

    assert_error(response, 401, "unauthorized")


async def test_a_removed_listing_is_404(client):
    # A completed viewing stays on record after its listing is deleted (property_id null).
    ada = await agent(client)
    await set_payment_account(client, ada)
    flat = await listing(ada.id)
    carol = await account(client, "carol@example.com")
    viewing = await completed_viewing(client, carol, ada, flat.id)
    deleted = await client.delete(f"/api/v1/properties/{flat.id}", headers=ada.headers)
    assert deleted.status_code == 204, deleted.text

    response = await client.get(details_url(viewing["id"]), headers=carol.headers)

    assert_error(response, 404, "not_found")


async def test_the_largest_amount_is_exact(client):
    price = Decimal("83333333333.33")
    deal = await ready_deal(client, price=price)

    response = await details(client, deal.client, deal.viewing["id"], months=120)

    assert money(response, "monthly_price") == price
    assert money(response, "amount") == Decimal("9999999999999.60") == price * 120


async def test_months_past_what_json_carries_exactly_are_422(client):
    price = Decimal("987654321098.77")
    deal = await ready_deal(client, price=price)

    response = await client.get(
        details_url(deal.viewing["id"]), headers=deal.client.headers, params={"months": 119}
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["query.months"]


async def test_a_listing_another_deal_holds_is_409_but_the_holder_still_sees_it(client):
    deal = await ready_deal(client)
    dan = await account(client, "dan@example.com")
    dans_viewing = await confirmed_viewing(client, dan, deal.agent, deal.property_id, days=3)
    await start_contract(client, deal.client, deal.property_id, deal.viewing["id"], months=6)

    # the holder of the open contract needs the account to pay into
    mine = await details(client, deal.client, deal.viewing["id"], months=6)
    assert money(mine, "amount") == Decimal("6000.00")
    # another client could not make a deal now: no bank details for nothing
    theirs = await client.get(details_url(dans_viewing["id"]), headers=dan.headers)
    assert_error(theirs, 409, "conflict")


async def test_a_hidden_listing_is_404(client):
    deal = await ready_deal(client)
    await Property.filter(id=deal.property_id).update(is_active=False)

    response = await client.get(details_url(deal.viewing["id"]), headers=deal.client.headers)

    assert_error(response, 404, "not_found")
