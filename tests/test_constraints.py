"""Constraint violations are recognised by the constraint's name (sheda.db.violated_constraint)
on whichever backend the suite runs: PostgreSQL reports the name, SQLite the columns of a
unique index (looked up) or a trigger's message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from tortoise.exceptions import IntegrityError

from sheda.appointments.models import NO_OVERLAP
from sheda.contracts.models import ONE_OPEN_PER_PROPERTY
from sheda.db import violated_constraint
from sheda.users.models import User
from tests.contracts.helpers import in_hours, stored_contract, stored_viewing
from tests.deals import account, agent, listing


async def _broken(write: Callable[[], Awaitable[object]]) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught:
        await write()
    return caught.value


async def test_a_second_open_contract_names_the_partial_unique_index(client) -> None:
    ada = await agent(client)
    flat = await listing(ada.id)
    bob, eve = await account(client, "bob@example.com"), await account(client, "eve@example.com")
    await stored_contract(flat, bob.id, status="awaiting_payment")
    error = await _broken(lambda: stored_contract(flat, eve.id, status="payment_submitted"))
    assert await violated_constraint(error) == ONE_OPEN_PER_PROPERTY


async def test_an_overlapping_viewing_names_the_no_overlap_rule(client) -> None:
    ada = await agent(client)
    flat = await listing(ada.id)
    bob, eve = await account(client, "bob@example.com"), await account(client, "eve@example.com")
    await stored_viewing(flat.id, bob.id, ada.id, in_hours(2))
    error = await _broken(lambda: stored_viewing(flat.id, eve.id, ada.id, in_hours(2)))
    assert await violated_constraint(error) == NO_OVERLAP


async def test_another_unique_column_is_not_taken_for_those(client) -> None:
    ada = await agent(client)
    user = await User.get(id=ada.id)
    error = await _broken(
        lambda: User.create(email=user.email, password_hash="x", user_type=user.user_type)
    )
    assert await violated_constraint(error) not in (None, ONE_OPEN_PER_PROPERTY, NO_OVERLAP)
