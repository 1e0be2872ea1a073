"""Drift between the models and the PostgreSQL migrations.

SQLite's schema comes from the models (``generate_schemas``), PostgreSQL's from aerich's
migrations; both must describe the same database. Two fresh databases are built on the
server named by SHEDA_TEST_DATABASE_URL, each in its own process (Tortoise's state is
process-wide and this process already serves the suite's database), then compared through
the catalogs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("SHEDA_TEST_DATABASE_URL", "")

# Objects the models cannot express (e.g. exclusion constraints) and that only the
# migrations create: (category, key) pairs, each with the reason beside it.
_SEARCH_INDEXES = (  # partial btrees per sort key (5_*_search.py, sheda/properties/search_sql.py)
    ("status", "id", "price", "bedrooms"),
    ("status", "listing_type", "property_type", "id", "price", "bedrooms"),
    ("status", "city_key", "listing_type", "property_type", "id", "price", "bedrooms"),
    ("status", "price", "id", "bedrooms"),
    ("status", "listing_type", "property_type", "price", "id", "bedrooms"),
    ("status", "city_key", "listing_type", "property_type", "price", "id", "bedrooms"),
)
MIGRATION_ONLY: set[tuple[str, tuple[Any, ...]]] = {
    # The listing search's partial indexes (WHERE is_active), which the models cannot say.
    *(("index", ("properties", key, "non-unique", "btree", None, "is_active"))
      for key in _SEARCH_INDEXES),
    # ... and its GIN (6_*_search_gin.py): btree_gin for city and kinds, jsonb_path_ops
    # amenities, pg_trgm text.
    (
        "index",
        (
            "properties",
            ("city_key", "listing_type", "property_type", "amenities", "search_text"),
            "non-unique",
            "gin",
            None,
            "is_active",
        ),
    ),
    # No two pending/confirmed appointments of one agent overlap (4_*_deals.py): the
    # exclusion constraint and the GiST index behind it.
    (
        "check/exclusion constraint",
        (
            "appointments",
            "EXCLUDE USING gist (agent_id WITH =, tstzrange(scheduled_at, ends_at, '[)'::text) "
            "WITH &&) WHERE (((status)::text = ANY ((ARRAY['pending'::character varying, "
            "'confirmed'::character varying])::text[])))",
        ),
    ),
    (
        "index",
        (
            "appointments",
            ("agent_id",),
            "non-unique",
            "gist",
            "tstzrange(scheduled_at, ends_at, '[)'::text)",
            "((status)::text = ANY ((ARRAY['pending'::character varying, "
            "'confirmed'::character varying])::text[]))",
        ),
    ),
    # One open contract per property (4_*_deals.py): a partial unique index.
    (
        "index",
        (
            "contracts",
            ("property_id",),
            "unique",
            "btree",
            None,
            "((status)::text = ANY ((ARRAY['awaiting_payment'::character varying, "
            "'payment_submitted'::character varying, 'active'::character varying])::text[]))",
        ),
    ),
}

# Whole tables only the migrations create (every column, key and index of them).
MIGRATION_ONLY_TABLES = {
    # The amenity postings of the listing search (7_*_search_amenities.py), kept by triggers
    # on properties; SQLite's search does not read them.
    "search_amenities",
}

BUILD_FROM_MIGRATIONS = """
import asyncio, sys
from pathlib import Path
from sheda.cli import _migrate
from sheda.config import Settings
settings = Settings(env="test", secret_key="m" * 40, database_url=sys.argv[1])
asyncio.run(_migrate(settings, Path("aerich_migrations")))
"""

BUILD_FROM_MODELS = """
import asyncio, sys
from tortoise import Tortoise, connections
from sheda.db import tortoise_config
async def main():
    await Tortoise.init(config=tortoise_config(sys.argv[1]))
    try:
        await Tortoise.generate_schemas(safe=False)
    finally:
        await connections.close_all()
asyncio.run(main())
"""

_FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


def _urls(name: str) -> tuple[str, str]:
    """(libpq url for asyncpg, url for the app) of database ``name`` on the test server."""
    base = PG_URL.replace("postgresql://", "postgres://", 1).rpartition("/")[0]
    return base.replace("postgres://", "postgresql://", 1) + f"/{name}", f"{base}/{name}"


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHEDA_")}
    return subprocess.run(
        args,
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
async def databases() -> AsyncIterator[dict[str, str]]:
    """{"migrations": url, "models": url}: two fresh databases, dropped at the end."""
    import asyncpg

    maintenance = _urls("postgres")[0]
    suffix = uuid.uuid4().hex[:10]
    names = {"migrations": f"sheda_drift_{suffix}_a", "models": f"sheda_drift_{suffix}_b"}
    admin = await asyncpg.connect(maintenance)
    try:
        for name in names.values():
            await admin.execute(f'CREATE DATABASE "{name}"')
        urls = {kind: _urls(name)[1] for kind, name in names.items()}
        built = _run([sys.executable, "-c", BUILD_FROM_MIGRATIONS, urls["migrations"]])
        assert built.returncode == 0, built.stderr
        assert "applied:" in built.stdout, built.stdout
        built = _run([sys.executable, "-c", BUILD_FROM_MODELS, urls["models"]])
        assert built.returncode == 0, built.stderr
        yield urls
    finally:
        for name in names.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def snapshot(url: str) -> dict[str, dict[tuple[Any, ...], Any]]:
    """The schema of ``public`` as comparable dicts, one per category."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        columns = await conn.fetch(
            """
            SELECT table_name, column_name, data_type, udt_name, is_nullable,
                   character_maximum_length, numeric_precision, numeric_scale
            FROM information_schema.columns WHERE table_schema = 'public'
            """
        )
        constraints = await conn.fetch(
            """
            SELECT c.contype::text AS contype, t.relname AS table_name,
                   ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                         ORDER BY k.i) AS columns,
                   f.relname AS ref_table,
                   ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(n, i)
                         JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                         ORDER BY k.i) AS ref_columns,
                   c.confdeltype::text AS confdeltype, c.confupdtype::text AS confupdtype,
                   pg_get_constraintdef(c.oid) AS definition
            FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_namespace s ON s.oid = t.relnamespace
            LEFT JOIN pg_class f ON f.oid = c.confrelid
            WHERE s.nspname = 'public'
            """
        )
        indexes = await conn.fetch(
            """
            SELECT t.relname AS table_name, x.indisunique, x.indisprimary, am.amname,
                   ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(n, i)
                         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n
                         ORDER BY k.i) AS columns,
                   pg_get_expr(x.indexprs, x.indrelid) AS expressions,
                   pg_get_expr(x.indpred, x.indrelid) AS predicate
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_am am ON am.oid = i.relam
            JOIN pg_namespace s ON s.oid = t.relnamespace
            WHERE s.nspname = 'public'
            """
        )
    finally:
        await conn.close()

    shot: dict[str, dict[tuple[Any, ...], Any]] = {
        "table": {(r["table_name"],): True for r in tables},
        "column": {
            (r["table_name"], r["column_name"]): (
                f"{r['data_type']} ({r['udt_name']})",
                "NULL" if r["is_nullable"] == "YES" else "NOT NULL",
                f"length={r['character_maximum_length']}",
                f"precision={r['numeric_precision']},{r['numeric_scale']}",
            )
            for r in columns
        },
        "primary key": {},
        "unique constraint": {},
        "foreign key": {},
        "check/exclusion constraint": {},
        "index": {},
    }
    for r in constraints:
        key: tuple[Any, ...] = (r["table_name"], tuple(r["columns"]))
        if r["contype"] == "p":
            shot["primary key"][key] = True
        elif r["contype"] == "u":
            shot["unique constraint"][key] = True
        elif r["contype"] == "f":
            shot["foreign key"][key] = (
                f"-> {r['ref_table']}({', '.join(r['ref_columns'])})",
                f"ON DELETE {_FK_ACTIONS[r['confdeltype']]}",
                f"ON UPDATE {_FK_ACTIONS[r['confupdtype']]}",
            )
        else:
            shot["check/exclusion constraint"][(r["table_name"], r["definition"])] = True
    for r in indexes:
        # names differ between aerich and generate_schemas: compare what the index does
        key = (
            r["table_name"],
            tuple(r["columns"]),
            "unique" if r["indisunique"] else "non-unique",
            r["amname"],
            r["expressions"],
            r["predicate"],
        )
        shot["index"][key] = shot["index"].get(key, 0) + 1
    return shot


def diff(migrations: dict[str, dict[Any, Any]], models: dict[str, dict[Any, Any]]) -> list[str]:
    lines = []
    for category in migrations:
        a, b = migrations[category], models[category]
        for key in sorted(set(a) | set(b), key=repr):
            only_here = (category, key) in MIGRATION_ONLY or key[0] in MIGRATION_ONLY_TABLES
            if only_here and key not in b:
                continue
            if key not in b:
                lines.append(f"{category} {key}: only in the migrations {a[key]}")
            elif key not in a:
                lines.append(f"{category} {key}: only in the models {b[key]}")
            elif a[key] != b[key]:
                lines.append(f"{category} {key}: migrations {a[key]} != models {b[key]}")
    return lines


async def test_migrations_match_the_models(databases: dict[str, str]) -> None:
    migrated = await snapshot(databases["migrations"])
    generated = await snapshot(databases["models"])
    # the inspection itself works (else an empty == empty comparison would pass)
    assert ("users",) in generated["table"]
    assert ("users", "role") in generated["column"]
    assert generated["foreign key"] and generated["unique constraint"] and generated["index"]
    problems = diff(migrated, generated)
    assert not problems, (
        "the models and aerich_migrations/ disagree (write a migration):\n  "
        + "\n  ".join(problems)
    )


def _sheda() -> list[str]:
    script = Path(sys.executable).with_name("sheda")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sheda.cli"]


async def test_migrate_is_idempotent(databases: dict[str, str], tmp_path: Path) -> None:
    url = databases["migrations"]
    before = await snapshot(url)
    for _ in range(2):
        result = _run(
            [*_sheda(), "migrate"],
            SHEDA_ENV="test",
            SHEDA_DATABASE_URL=url,
            SHEDA_SECRET_KEY="m" * 40,
            SHEDA_DATA_DIR=str(tmp_path),
        )
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout, result.stdout
    assert await snapshot(url) == before


MIGRATE_FROM = BUILD_FROM_MIGRATIONS.replace('Path("aerich_migrations")', "Path(sys.argv[2])")


async def test_search_migration_moves_amenities_onto_the_listings(tmp_path: Path) -> None:
    """5_*_search.py on a database that has listings: each listing's amenity rows become its
    sorted JSON array, the side table goes, and `@>` finds them."""
    import shutil

    import asyncpg

    old = tmp_path / "before" / "models"
    shutil.copytree(ROOT / "aerich_migrations" / "models", old,  # up to 4_*
                    ignore=shutil.ignore_patterns(*(f"{n}_*" for n in range(5, 10)),
                                                  "__pycache__"))
    name = f"sheda_move_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_urls("postgres")[0])
    await admin.execute(f'CREATE DATABASE "{name}"')
    libpq, url = _urls(name)
    try:
        built = _run([sys.executable, "-c", MIGRATE_FROM, url, str(old.parent)])
        assert built.returncode == 0 and "4_" in built.stdout, built.stderr
        conn = await asyncpg.connect(libpq)
        try:
            await conn.execute(
                "INSERT INTO users (id, email, password_hash, user_type, role, verified, "
                "is_active, created_at, updated_at) VALUES "
                "(1, 'a@example.com', '!', 'agent', 'user', true, true, now(), now())"
            )
            for listing in (1, 2):
                await conn.execute(
                    "INSERT INTO properties (id, agent_id, title, description, property_type, "
                    "listing_type, status, price, is_negotiable, address, city, state, "
                    "bedrooms, bathrooms, furnished, search_text, city_key, state_key, "
                    "is_active, created_at, updated_at) VALUES ($1, 1, 't', 'd', 'house', "
                    "'rent', 'available', 1000, false, 'a', 'Ikeja', 'Lagos', 2, 1, false, "
                    "'t d a', 'ikeja', 'lagos', true, now(), now())",
                    listing,
                )
            await conn.executemany(
                "INSERT INTO property_amenities (property_id, name) VALUES ($1, $2)",
                [(1, "wifi"), (1, "gym"), (1, "pool")],
            )
        finally:
            await conn.close()
        moved = _run([sys.executable, "-c", BUILD_FROM_MIGRATIONS, url])
        assert moved.returncode == 0 and "5_" in moved.stdout, moved.stderr
        conn = await asyncpg.connect(libpq)
        try:
            rows = await conn.fetch("SELECT id, amenities::text FROM properties ORDER BY id")
            assert [(row[0], row[1]) for row in rows] == [
                (1, '["gym", "pool", "wifi"]'), (2, "[]")
            ]
            assert await conn.fetchval("SELECT to_regclass('property_amenities')") is None
            query = "SELECT id FROM properties WHERE is_active AND amenities @> '[\"pool\"]'"
            assert [row[0] for row in await conn.fetch(query)] == [1]
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
