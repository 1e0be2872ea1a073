"""The currency shown with payment details comes from the settings (SHEDA_CURRENCY)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts.helpers import ready_deal
from tests.deals import APPOINTMENTS


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"currency": "GHS"}


async def test_payment_details_use_the_configured_currency(client):
    deal = await ready_deal(client)

    response = await client.get(
        f"{APPOINTMENTS}/{deal.viewing['id']}/payment-details", headers=deal.client.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["currency"] == "GHS"
