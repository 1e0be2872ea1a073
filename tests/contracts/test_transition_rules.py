"""The contract's moves that must not happen, or not twice: a move from a state that does
not allow it is 409, the move that already happened is a 200 with nothing changed, the
other party is 403 and anyone else 404 (API.md "Conventions", "Payments and contracts")."""

from __future__ import annotations

import pytest

from sheda.contracts.models import Contract
from sheda.properties.models import Property
from tests.contracts.helpers import (
    another_viewer,
    contract_in,
    contract_url,
    notifications,
    property_status,
    ready_deal,
)
from tests.deals import account, admin, agent, start_contract
from tests.support import assert_error

# move name → (HTTP method, path suffix, who makes it, the state it leads to)
MOVES = {
    "submit": ("PATCH", "payment-submitted", "client", "payment_submitted"),
    "confirm": ("PATCH", "confirm-payment", "agent", "active"),
    "decline": ("PATCH", "decline-payment", "agent", "declined"),
    "cancel": ("DELETE", "", "client", "canceled"),
    "expire": ("PATCH", "expire", "admin", "expired"),
}
# the states each move may start from (API.md's table)
SOURCES = {
    "submit": {"awaiting_payment"},
    "confirm": {"payment_submitted"},
    "decline": {"payment_submitted"},
    "cancel": {"awaiting_payment"},
    "expire": {"active"},
}
STATES = ["awaiting_payment", "payment_submitted", "active", "declined", "canceled", "expired"]
WRONG = [
    (move, state)
    for move in MOVES
    for state in STATES
    if state not in SOURCES[move] and state != MOVES[move][3]
]


class World:
    """A deal, its admin and a stranger, and everything a refused move must leave alone."""

    def __init__(self, deal, root, stranger):
        self.deal, self.root, self.stranger = deal, root, stranger

    def actor(self, role):
        return {"client": self.deal.client, "agent": self.deal.agent, "admin": self.root}[role]

    async def request(self, client, move, contract, person, **kwargs):
        method, action, _, _ = MOVES[move]
        return await client.request(
            method, contract_url(contract, action), headers=person.headers, **kwargs
        )

    async def snapshot(self, client, contract):
        """The contract as its client reads it, the listing row, every notification."""
        response = await client.get(contract_url(contract), headers=self.deal.client.headers)
        assert response.status_code == 200, response.text
        listing_row = await Property.get(id=self.deal.property_id)
        told = {
            who: [n["id"] for n in await notifications(client, self.actor(who))]
            for who in ("client", "agent", "admin")
        }
        return response.json(), (listing_row.status, listing_row.updated_at), told


async def world(client):
    deal = await ready_deal(client)
    return World(deal, await admin(client), await account(client, "dave@example.com"))


@pytest.mark.parametrize(("move", "state"), WRONG)
async def test_a_move_from_a_wrong_state_is_409(client, move, state):
    w = await world(client)
    contract = await contract_in(client, w.deal, state, admin=w.root)
    before = await w.snapshot(client, contract)

    response = await w.request(client, move, contract, w.actor(MOVES[move][2]))

    assert_error(response, 409, "conflict")
    assert await w.snapshot(client, contract) == before


@pytest.mark.parametrize("move", list(MOVES))
async def test_repeating_a_move_changes_nothing(client, move):
    w = await world(client)
    target = MOVES[move][3]
    contract = await contract_in(client, w.deal, target, admin=w.root)
    before = await w.snapshot(client, contract)

    again = await w.request(
        client, move, contract, w.actor(MOVES[move][2]),
        **({"json": {"payment_reference": "ANOTHER-REF"}} if move == "submit" else {}),
    )

    assert again.status_code == 200, again.text
    assert again.json() == before[0]  # the same object, updated_at included
    assert again.json()["status"] == target
    assert await w.snapshot(client, contract) == before  # no second listing change or notice


async def test_a_repeated_confirmation_keeps_the_dates(client):
    w = await world(client)
    active = await contract_in(client, w.deal, "active")

    again = await w.request(client, "confirm", active, w.deal.agent)

    assert again.status_code == 200, again.text
    assert (again.json()["start_date"], again.json()["end_date"]) == (
        active["start_date"], active["end_date"],
    )


CLIENT_MOVES = [("submit", "awaiting_payment"), ("cancel", "awaiting_payment")]
AGENT_MOVES = [("confirm", "payment_submitted"), ("decline", "payment_submitted")]


@pytest.mark.parametrize(("move", "state"), CLIENT_MOVES + AGENT_MOVES)
async def test_the_other_party_is_403(client, move, state):
    w = await world(client)
    contract = await contract_in(client, w.deal, state)
    other = "agent" if MOVES[move][2] == "client" else "client"
    before = await w.snapshot(client, contract)

    response = await w.request(client, move, contract, w.actor(other))

    assert_error(response, 403, "forbidden")
    assert await w.snapshot(client, contract) == before


@pytest.mark.parametrize(("move", "state"), CLIENT_MOVES + AGENT_MOVES)
async def test_an_admin_sees_but_does_not_act_for_a_party(client, move, state):
    # Admins see every contract (a visible object you may not change: 403).
    w = await world(client)
    contract = await contract_in(client, w.deal, state)
    before = await w.snapshot(client, contract)

    response = await w.request(client, move, contract, w.root)

    assert_error(response, 403, "forbidden")
    assert await w.snapshot(client, contract) == before


@pytest.mark.parametrize(
    ("move", "state"), [*CLIENT_MOVES, *AGENT_MOVES, ("expire", "active")]
)
async def test_a_stranger_is_404(client, move, state):
    w = await world(client)
    other_agent = await agent(client, "other-agent@example.com")
    contract = await contract_in(client, w.deal, state)
    before = await w.snapshot(client, contract)

    for person in (w.stranger, other_agent):
        response = await w.request(client, move, contract, person)
        # expire is admin-only: to a stranger who is no admin the route itself is 403
        if move == "expire":
            assert_error(response, 403, "forbidden")
        else:
            assert_error(response, 404, "not_found")
    assert await w.snapshot(client, contract) == before


@pytest.mark.parametrize("move", list(MOVES))
async def test_an_unknown_contract_is_404(client, move):
    w = await world(client)
    contract = await contract_in(client, w.deal, "awaiting_payment")

    for contract_id in (contract["id"] + 1000, "abc"):
        response = await w.request(client, move, contract_id, w.actor(MOVES[move][2]))
        assert_error(response, 404, "not_found")
    assert (await Contract.get(id=contract["id"])).status == "awaiting_payment"


@pytest.mark.parametrize("move", list(MOVES))
async def test_every_move_needs_a_token(client, move):
    w = await world(client)
    contract = await contract_in(client, w.deal, "awaiting_payment")
    method, action, _, _ = MOVES[move]

    response = await client.request(method, contract_url(contract, action))

    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(("state", "move"), [("canceled", "cancel"), ("declined", "decline")])
async def test_a_repeat_does_not_free_a_listing_a_new_contract_holds(client, state, move):
    w = await world(client)
    erin, erin_viewing = await another_viewer(client, w.deal, "erin@example.com")
    old = await contract_in(client, w.deal, state)
    new = await start_contract(client, erin, w.deal.property_id, erin_viewing["id"])

    again = await w.request(client, move, old, w.actor(MOVES[move][2]))

    assert again.status_code == 200, again.text
    assert again.json()["status"] == state
    assert await property_status(client, w.deal.property_id) == "pending"
    assert (await Contract.get(id=new["id"])).status == "awaiting_payment"
