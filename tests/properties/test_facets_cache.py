"""GET /api/v1/properties/facets with its per-worker cache on (SHEDA_FACETS_CACHE_SECONDS):
a set of filters is counted once for the cache's life, however many ask at once; other
filters are counted afresh."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sheda.properties import facets as facets_module
from tests.properties.helpers import agent, count_statements, create_listing

FACETS = "/api/v1/properties/facets"


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"facets_cache_seconds": 60}


@pytest.fixture(autouse=True)
def empty_cache():
    facets_module._cache.clear()
    yield
    facets_module._cache.clear()


async def test_counts_are_kept_for_the_cache_life(client):
    ada = await agent(client, "ada@example.com")
    await create_listing(client, ada, city="Lekki")
    first = (await client.get(FACETS)).json()
    assert first["total"] == 1
    await create_listing(client, ada, city="Ikeja")
    assert (await client.get(FACETS)).json() == first  # kept: a menu may be a little old
    fresh = (await client.get(FACETS, params={"state": "Lagos"})).json()
    assert fresh["total"] == 2  # another set of filters is counted now
    facets_module._cache.clear()  # (what the cache's expiry does)
    assert (await client.get(FACETS)).json()["total"] == 2


async def test_concurrent_requests_share_one_statement(client):
    ada = await agent(client, "ada@example.com")
    await create_listing(client, ada)
    with count_statements() as seen:
        answers = await asyncio.gather(*(client.get(FACETS) for _ in range(8)))
    assert {response.status_code for response in answers} == {200}
    assert len({response.text for response in answers}) == 1
    assert len(seen) == 1, seen
