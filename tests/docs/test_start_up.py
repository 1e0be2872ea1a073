"""What the server says when it starts: where the docs are and the mode it really runs in
(Sanic's banner said "mode: production" in development)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheda.banner import runs_on, start_line
from sheda.config import Settings
from tests.operations.servers import embedded_server


@pytest.mark.embedded
async def test_start_up_names_the_docs_and_the_real_mode(tmp_path: Path) -> None:
    development = {"SHEDA_ENV": "development", "SHEDA_LOG_FORMAT": "text"}
    async with embedded_server(tmp_path, **development) as server:
        log = server.log()
    assert f"Sheda development on {server.url} (1 worker;" in log
    assert f"docs {server.url}/docs" in log and f"{server.url}/playground" in log
    assert "SQLite" in log and "in-process chat hub" in log
    # Sanic's banner: Sheda's mode, not Sanic's debug flag.
    assert "mode: development, single worker" in log, log[-3000:]
    assert "mode: production" not in log


def test_the_line_names_postgres_redis_and_smtp_without_secrets() -> None:
    settings = Settings(
        env="production", secret_key="s" * 40,
        database_url="postgres://sheda:hunter2@db.internal:5432/sheda",
        redis_url="redis://:redispass@cache.internal:6379/0", smtp_host="smtp.example",
    )
    line = start_line(settings, "http://0.0.0.0:8000", 4)
    assert line.startswith("Sheda production on http://0.0.0.0:8000 (4 workers;")
    assert "PostgreSQL db.internal:5432/sheda" in line
    assert "Redis fan-out" in line and "SMTP smtp.example" in line
    assert "hunter2" not in line and "redispass" not in line
    assert "playground" not in line  # off in production
    assert runs_on(Settings(secret_key="s" * 40, database_url="sqlite://data/x.sqlite3")) == (
        "SQLite data/x.sqlite3, in-process chat hub, mail to data/outbox"
    )
