"""POST /api/v1/contracts/{property_id}: a client starts a deal after a viewing; what a
created contract holds and which bodies are refused (API.md "Payments and contracts"; the
path names the LISTING, routes.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sheda.contracts.models import Contract
from tests.contracts.helpers import (
    CONTRACT_EVENT_KEYS,
    CONTRACT_KEYS,
    assert_nothing_started,
    completed_viewing,
    contract_events,
    contract_in,
    now,
    parse,
    post_contract,
    property_status,
    ready_deal,
)
from tests.deals import CONTRACTS, account, agent, listing
from tests.support import assert_error


async def test_create_answers_201_with_the_contract(client):
    deal = await ready_deal(client, price=Decimal("1000.00"))
    before = now()

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=12,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CONTRACT_KEYS
    assert response.headers["location"] == f"{CONTRACTS}/{body['id']}"
    assert isinstance(body["id"], int)
    assert body["property_id"] == deal.property_id
    assert (body["client_id"], body["agent_id"]) == (deal.client.id, deal.agent.id)
    assert body["appointment_id"] == deal.viewing["id"]
    assert body["contract_type"] == "rent"
    assert Decimal(str(body["amount"])) == Decimal("12000.00")
    assert body["rental_period_months"] == 12
    assert body["status"] == "awaiting_payment"
    assert body["start_date"] is None and body["end_date"] is None  # set on confirmation
    assert body["payment_reference"] is None
    assert parse(body["created_at"]) >= before.replace(microsecond=0)
    assert parse(body["updated_at"]) >= parse(body["created_at"])

    row = await Contract.get(id=body["id"])
    assert row.status == "awaiting_payment"
    assert row.amount == Decimal("12000.00")
    assert (row.property_id, row.client_id, row.agent_id) == (
        deal.property_id, deal.client.id, deal.agent.id,
    )

    located = await client.get(response.headers["location"], headers=deal.client.headers)
    assert located.status_code == 200, located.text
    assert located.json() == body


async def test_the_server_prices_a_rental_in_decimal(client):
    deal = await ready_deal(client, price=Decimal("1234.56"))

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=3,
    )

    assert response.status_code == 201, response.text
    assert Decimal(str(response.json()["amount"])) == Decimal("3703.68")
    assert (await Contract.get(id=response.json()["id"])).amount == Decimal("3703.68")


async def test_a_sale_costs_the_price_and_has_no_period(client):
    deal = await ready_deal(client, listing_type="sale", price=Decimal("250000.50"))

    response = await post_contract(
        client, deal.client, deal.property_id, appointment_id=deal.viewing["id"]
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["contract_type"] == "sale"
    assert Decimal(str(body["amount"])) == Decimal("250000.50")
    assert body["rental_period_months"] is None


async def test_the_listing_becomes_pending(client):
    deal = await ready_deal(client)
    assert await property_status(client, deal.property_id) == "available"

    await contract_in(client, deal, "awaiting_payment")

    assert await property_status(client, deal.property_id) == "pending"


async def test_the_agent_is_told_once(client):
    deal = await ready_deal(client)

    contract = await contract_in(client, deal, "awaiting_payment")

    told = await contract_events(client, deal.agent)
    assert [n["event"] for n in told] == ["contract.created"]
    data = told[0]["data"]
    assert set(data) == CONTRACT_EVENT_KEYS
    assert data["contract_id"] == contract["id"]
    assert data["property_id"] == deal.property_id
    assert data["appointment_id"] == deal.viewing["id"]
    assert isinstance(data["summary"], str) and data["summary"]
    assert await contract_events(client, deal.client) == []


async def test_after_a_completed_viewing(client):
    ada = await agent(client)
    flat = await listing(ada.id)
    carol = await account(client, "carol@example.com")
    viewing = await completed_viewing(client, carol, ada, flat.id)

    response = await post_contract(
        client, carol, flat.id, appointment_id=viewing["id"], rental_period_months=6
    )

    assert response.status_code == 201, response.text
    assert Decimal(str(response.json()["amount"])) == Decimal("6000.00")


@pytest.mark.parametrize("field", ["amount", "status", "client_id", "agent_id", "start_date"])
async def test_a_field_the_server_decides_is_422(client, field):
    deal = await ready_deal(client)
    value = "2030-01-01T00:00:00Z" if field == "start_date" else 1
    if field == "status":
        value = "active"

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=12, **{field: value},
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == [f"body.{field}"]
    await assert_nothing_started(client, deal)


async def test_a_rental_needs_its_period(client):
    deal = await ready_deal(client)

    response = await post_contract(
        client, deal.client, deal.property_id, appointment_id=deal.viewing["id"]
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.rental_period_months"]
    await assert_nothing_started(client, deal)


@pytest.mark.parametrize("months", [0, 121, -1, "x", None])
async def test_a_period_out_of_range_is_422(client, months):
    deal = await ready_deal(client)

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=months,
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.rental_period_months"]
    await assert_nothing_started(client, deal)


@pytest.mark.parametrize("months", [1, 120])
async def test_the_period_limits_are_allowed(client, months):
    deal = await ready_deal(client)

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=months,
    )

    assert response.status_code == 201, response.text
    assert Decimal(str(response.json()["amount"])) == Decimal("1000.00") * months


async def test_a_sale_refuses_a_period(client):
    deal = await ready_deal(client, listing_type="sale")

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=12,
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.rental_period_months"]
    await assert_nothing_started(client, deal)


async def test_missing_appointment_is_422_and_bad_json_400(client):
    deal = await ready_deal(client)

    response = await post_contract(client, deal.client, deal.property_id, rental_period_months=12)
    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.appointment_id"]

    response = await client.post(
        f"{CONTRACTS}/{deal.property_id}",
        headers={**deal.client.headers, "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert_error(response, 400, "bad_request")
    await assert_nothing_started(client, deal)


async def test_the_largest_amount_is_exact_in_json(client):
    # 15 significant digits: the most a JSON number (a double) carries to the cent.
    price = Decimal("83333333333.33")
    deal = await ready_deal(client, price=price)

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=120,
    )

    assert response.status_code == 201, response.text
    exact = json.loads(response.text, parse_float=Decimal)["amount"]
    assert exact == Decimal("9999999999999.60") == price * 120
    assert (await Contract.get(id=response.json()["id"])).amount == exact


async def test_an_amount_past_what_json_carries_exactly_is_422(client):
    price = Decimal("987654321098.77")  # 12 integer digits, the largest a listing takes
    deal = await ready_deal(client, price=price)

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=119,
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.rental_period_months"]
    assert not await Contract.exists(property_id=deal.property_id)
    # a shorter rental of the same listing fits
    ok = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=10,
    )
    assert ok.status_code == 201, ok.text
    assert json.loads(ok.text, parse_float=Decimal)["amount"] == price * 10
