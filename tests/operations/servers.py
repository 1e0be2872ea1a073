"""Real servers for the operations tests, started as an operator would: the README's
``python server.py`` (embedded: SQLite, one worker, the background loop inside it) or
``sheda serve`` on a fresh PostgreSQL database (with the test Redis unless told not to).
Both tick the background loop every second, so a tick is often under way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.chat_cluster.cluster import REDIS_URL, Database, ServerProcess


@asynccontextmanager
async def embedded_server(tmp_path: Path, **env: str) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(
        database_url=f"sqlite://{tmp_path / 'sheda.sqlite3'}",
        redis_url=None,
        data_dir=tmp_path,
        embedded=True,
        env={"SHEDA_JOBS_INTERVAL": "1", **env},
    )
    try:
        await server.start()
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def cluster_server(
    tmp_path: Path, *, workers: int = 2, redis: bool = True, **env: str
) -> AsyncIterator[ServerProcess]:
    db = await Database.create("sheda_ops")
    try:
        await db.migrate(tmp_path)
        server = ServerProcess(
            database_url=db.url,
            redis_url=REDIS_URL if redis else None,
            data_dir=tmp_path,
            workers=workers,
            env={"SHEDA_JOBS_INTERVAL": "1", **env},
        )
        try:
            await server.start()
            yield server
        finally:
            await server.stop()
    finally:
        await db.drop()
