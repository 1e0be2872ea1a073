"""Tortoise configuration (shared with aerich), start-up and shut-down.

We do not use ``tortoise.contrib.sanic.register_tortoise``: under the test clients it leaves
tables missing and keeps the SQLite thread alive, so the listeners in app.py call these.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import IntegrityError

from sheda.config import Settings, load_settings

logger = logging.getLogger("sheda.db")

# Every module with models; aerich's own table lives in the same app so migrations track it.
MODEL_MODULES = [
    "sheda.users.models",
    "sheda.auth.models",
    "sheda.properties.models",
    "sheda.notifications.models",
    "sheda.inquiries.models",
    "sheda.chat.models",
    "sheda.appointments.models",
    "sheda.contracts.models",
    "sheda.jobs.models",
    "sheda.mail.models",
]


def normalise_url(url: str) -> str:
    # asyncpg is the PostgreSQL driver; people write postgresql:// as often as postgres://.
    if url.startswith("postgresql://"):
        return "postgres://" + url.removeprefix("postgresql://")
    return url


async def release_without_round_trip(connection: Any) -> None:
    """asyncpg's pool resets every connection it takes back with ``pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL``: one round trip per query, for session state Sheda
    never creates (advisory locks, cursors, LISTEN, SET). Only what a released connection
    can really carry is undone: a transaction left open (an error inside one)."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


# Session settings of every pooled connection, sent once in the startup packet:
# - jit off: JIT compiles a statement whose estimated cost is high; for the search
#   statements that estimate covers branches that never run, and compiling cost 40-50 ms
#   for a query that runs in 2 ms. Nothing Sheda sends is a long analytical query.
SERVER_SETTINGS = {"jit": "off"}
# Listing searches have a pool of their own (the "search" connection) whose sessions also
# force custom plans: asyncpg prepares every statement, and after five runs PostgreSQL may
# switch to a generic plan that ignores the parameters' values; for a price range that plan
# walked the whole table (210 ms instead of 1.4 ms). Everything else keeps PostgreSQL's plan
# cache: planning the chat's send statement on every message cost about 0.4 ms of database
# CPU per message and, at 500 messages a second, took the send -> receive p99 from 5 to
# 26 ms (bench/run_chat.sh).
# They also price a random page read close to a sequential one (PostgreSQL's default of 4 is
# for spinning disks; listings are in memory or on SSD): a walk through a kind's btree reads
# rows from anywhere in the table and was priced above filtering the primary key's order,
# which may read every listing. Over the 2,000-search mix: p99 9.8 -> 8.8 ms.
SEARCH_SERVER_SETTINGS = {
    **SERVER_SETTINGS, "plan_cache_mode": "force_custom_plan", "random_page_cost": "1.1",
}
SEARCH = "search"


def _connection(database_url: str, settings: dict[str, str]) -> str | dict[str, Any]:
    url = normalise_url(database_url)
    if not url.startswith(("postgres://", "asyncpg://")):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = release_without_round_trip  # passed on to create_pool
    config["credentials"]["server_settings"] = settings
    return config


# The searches' pool, opened by init_db on PostgreSQL, with the event loop it belongs to.
# It is not one of Tortoise's named connections: with two of those, every
# `in_transaction()` would have to name its own.
_search_pool: tuple[asyncio.AbstractEventLoop, BaseDBAsyncClient] | None = None


def search_connection() -> BaseDBAsyncClient:
    """Where listing searches run: their own pool on PostgreSQL; otherwise (SQLite, which
    has no plan cache to avoid, or code running in another event loop than the one that
    opened the pool, as tests do) the default connection."""
    if _search_pool is not None and _search_pool[0] is asyncio.get_running_loop():
        return _search_pool[1]
    default: BaseDBAsyncClient = connections.get("default")
    return default


async def _open_search_pool(database_url: str) -> None:
    global _search_pool
    await _close_search_pool()  # opened again by a second app in this process: one pool
    config = _connection(database_url, SEARCH_SERVER_SETTINGS)
    assert isinstance(config, dict)
    client = AsyncpgDBClient(connection_name=SEARCH, **config["credentials"])
    await client.create_connection(with_db=True)
    _search_pool = (asyncio.get_running_loop(), client)


async def _close_search_pool() -> None:
    global _search_pool
    pool, _search_pool = _search_pool, None
    # A pool of another event loop cannot be closed from this one; it goes with its loop.
    if pool is not None and pool[0] is asyncio.get_running_loop():
        await pool[1].close()


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {
            "default": _connection(database_url, SERVER_SETTINGS),
        },
        "apps": {
            "models": {
                "models": [*MODEL_MODULES, "aerich.models"],
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _aerich_config() -> dict[str, Any]:
    try:
        return tortoise_config(load_settings().database_url)
    except Exception:  # the aerich CLI only needs the shape when settings are incomplete
        return tortoise_config("sqlite://:memory:")


# Read by the aerich CLI (pyproject [tool.tortoise]); the app itself never uses it.
TORTOISE_ORM = _aerich_config()


async def init_db(settings: Settings, *, create_schema: bool | None = None) -> None:
    """Open the connections. SQLite builds its schema from the models (aerich's migrations
    are PostgreSQL SQL); PostgreSQL expects ``sheda migrate`` to have run."""
    if settings.database_url.startswith("sqlite://"):
        db_file = settings.database_url.removeprefix("sqlite://").split("?", 1)[0]
        if db_file != ":memory:":
            Path(db_file).parent.mkdir(parents=True, exist_ok=True)
    await Tortoise.init(
        config=tortoise_config(settings.database_url),
        _enable_global_fallback=True,  # tortoise 1.x: handlers run outside init's context
    )
    if settings.uses_postgres:
        await _open_search_pool(settings.database_url)
    if create_schema is None:
        create_schema = not settings.uses_postgres
    if create_schema:
        await Tortoise.generate_schemas(safe=True)
        if not settings.uses_postgres:
            await apply_sqlite_extras()


def sqlite_extras() -> list[str]:
    """DDL the models cannot express, for the embedded SQLite schema: each model module may
    declare ``SQLITE_EXTRAS`` (PostgreSQL gets the equivalent from its migrations)."""
    statements: list[str] = []
    for name in MODEL_MODULES:
        statements.extend(getattr(importlib.import_module(name), "SQLITE_EXTRAS", ()))
    return statements


async def apply_sqlite_extras() -> None:
    conn = connections.get("default")
    for statement in sqlite_extras():  # each one is IF NOT EXISTS
        await conn.execute_script(statement)


async def close_db() -> None:
    # Every process that opened a connection closes it, or aiosqlite's thread blocks exit.
    # Tortoise.close_connections also releases the global-fallback context that init_db
    # set, so the same process may init again (the CLI, the test servers).
    await _close_search_pool()
    await Tortoise.close_connections()


async def ping_db() -> bool:
    try:
        conn = connections.get("default")
        await conn.execute_query("SELECT 1")
    except Exception:
        logger.warning("database ping failed", exc_info=True)
        return False
    return True


# --- constraints ----------------------------------------------------------------------------




_UNIQUE_COLUMNS = re.compile(r"UNIQUE constraint failed: (.+)")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _chain(error: BaseException) -> Iterator[object]:
    seen: set[int] = set()
    stack: list[object] = [error]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, BaseException):
            stack.extend(arg for arg in item.args if isinstance(arg, BaseException))
            stack.extend(cause for cause in (item.__cause__, item.__context__) if cause)


async def violated_constraint(error: IntegrityError) -> str | None:
    """Which database constraint a failed write broke, by name: the domains name their
    constraints (a unique index, an exclusion constraint, a trigger) and recognise a
    violation by that name on both backends, not by searching the error's text.

    PostgreSQL reports the name (asyncpg's ``constraint_name``). SQLite reports the columns
    of a violated unique index ("UNIQUE constraint failed: contracts.property_id"), so the
    index is found among the table's unique indexes by its columns; a trigger that enforces
    a rule raises with the rule's name as its message. None when the error names none."""
    for item in _chain(error):
        name = getattr(item, "constraint_name", None)  # asyncpg
        if isinstance(name, str) and name:
            return name
    text = str(error).strip()
    columns = _UNIQUE_COLUMNS.search(text)
    if columns:
        return await _sqlite_unique_index([part.strip() for part in columns.group(1).split(",")])
    return text if _NAME.fullmatch(text) else None  # a trigger's RAISE(ABORT, '<name>')


async def _sqlite_unique_index(qualified: list[str]) -> str | None:
    table = qualified[0].partition(".")[0]
    wanted = [column.partition(".")[2] for column in qualified]
    if not _NAME.fullmatch(table):
        return None
    conn = connections.get("default")
    for index in await conn.execute_query_dict(f'PRAGMA index_list("{table}")'):
        if not index["unique"]:
            continue
        name = str(index["name"])
        columns = await conn.execute_query_dict(f"PRAGMA index_info(\"{name}\")")
        if [column["name"] for column in columns] == wanted:
            return name
    return None
