"""Fixtures. The suite runs on SQLite by default; with SHEDA_TEST_DATABASE_URL pointing at a
PostgreSQL server it runs on a fresh database there (made, migrated with aerich, dropped).
With SHEDA_TEST_REDIS_URL, rate limits go through Redis. Mail goes to a real SMTP server on
loopback in both cases.

Each test module shares one server (building an app costs ~0.25 s); a module changes its
settings by defining a ``settings_overrides`` fixture. Every test starts with empty tables,
fresh rate limits and an empty mailbox.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import Tortoise, connections

from sheda.config import Settings
from sheda.security.rate_limit import MemoryRateLimiter
from tests.support import LiveServer, Mailbox, start_smtp

PG_URL = os.environ.get("SHEDA_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("SHEDA_TEST_REDIS_URL", "")
MIGRATIONS = Path(__file__).resolve().parent.parent / "aerich_migrations"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs SHEDA_TEST_DATABASE_URL=postgres://...")
    skip_redis = pytest.mark.skip(reason="needs SHEDA_TEST_REDIS_URL=redis://...")
    # The embedded server is the same with or without SHEDA_TEST_DATABASE_URL: once a gate.
    skip_embedded = pytest.mark.skip(reason="embedded server: runs with the SQLite suite")
    for item in items:
        if "embedded" in item.keywords and PG_URL:
            item.add_marker(skip_embedded)
        if "postgres" in item.keywords and not PG_URL:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not REDIS_URL:
            item.add_marker(skip_redis)


def _admin_dsn(url: str) -> tuple[str, str]:
    """(url of the maintenance database, url of a new uniquely named test database)"""
    base, _, _ = url.rpartition("/")
    name = f"sheda_test_{uuid.uuid4().hex[:10]}"
    return f"{base}/postgres", f"{base}/{name}"


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if not PG_URL:
        yield f"sqlite://{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    import asyncpg

    from sheda.cli import _migrate

    admin_url, test_url = _admin_dsn(PG_URL.replace("postgres://", "postgresql://", 1))
    name = test_url.rpartition("/")[2]
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        settings = Settings(env="test", secret_key="m" * 40, database_url=test_url)
        await _migrate(settings, MIGRATIONS)  # the real migrations, not generate_schemas
        yield test_url
    finally:
        await connections.close_all()
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[str, int, Mailbox]]:
    controller, mailbox = start_smtp()
    yield controller.hostname, controller.port, mailbox
    controller.stop()


@pytest.fixture(scope="session")
def mailbox(smtp: tuple[str, int, Mailbox]) -> Mailbox:
    return smtp[2]


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def settings(
    database_url: str,
    smtp: tuple[str, int, Mailbox],
    tmp_path_factory: pytest.TempPathFactory,
    settings_overrides: dict[str, Any],
) -> Settings:
    data_dir = tmp_path_factory.mktemp("data")
    base = Settings(
        env="test",
        secret_key="test-secret-" + "x" * 40,
        data_dir=data_dir,
        database_url=database_url,
        redis_url=REDIS_URL or None,
        bcrypt_rounds=4,  # cost 12 is ~0.4 s a hash; the algorithm is the same
        smtp_host=smtp[0],
        smtp_port=smtp[1],
        smtp_tls="none",
        jobs_interval=0,  # no background loop: tests run its ticks themselves
        facets_cache_seconds=0,  # counts of this very moment (tests/properties/test_facets.py)
    )
    return base.with_overrides(**settings_overrides)


@pytest.fixture(scope="module")
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    live = LiveServer(settings)
    await live.start()
    yield live
    await live.stop()


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield http


async def _empty_tables() -> None:
    conn = connections.get("default")
    tables = [
        model._meta.db_table
        for app in Tortoise.apps.values()
        for model in app.values()
        if model._meta.db_table != "aerich"
    ]
    if conn.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{t}"' for t in tables)
        await conn.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        script = "PRAGMA foreign_keys = OFF;"
        script += "".join(f'DELETE FROM "{t}";' for t in tables)
        script += "DELETE FROM sqlite_sequence; PRAGMA foreign_keys = ON;"
        await conn.execute_script(script)


@pytest.fixture(autouse=True)
async def clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    if "server" not in request.fixturenames:
        yield
        return
    live: LiveServer = request.getfixturevalue("server")
    box: Mailbox = request.getfixturevalue("mailbox")
    await _empty_tables()
    runtime = live.app.ctx.runtime
    if runtime.redis is not None:
        keys = [key async for key in runtime.redis.scan_iter("sheda:*")]
        if keys:
            await runtime.redis.delete(*keys)
    else:
        runtime.limiter = MemoryRateLimiter()
    box.clear()
    yield
    await runtime.mailer.drain()
