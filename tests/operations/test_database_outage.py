"""PostgreSQL stopped under a running ``sheda serve`` and started again: while it is down,
REST answers 503 ``unavailable`` with Retry-After at once (never a hang, never a 500),
/health says the database is down, open sockets stay open and a send gets an
``unavailable`` error frame; once PostgreSQL is back the server answers again by itself,
within 5 s, with no restart.

The PostgreSQL here is a private one (initdb in the test's directory, a free port), never
the machine's shared server.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.chat_cluster.client import open_socket, register
from tests.chat_cluster.cluster import SECRET_KEY, ServerProcess, clean_env, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
RECOVERY_BOUND = 5.0


class PrivatePostgres:
    def __init__(self, work: Path) -> None:
        self.bin = Path(BIN[-1])
        self.data = work / "pgdata"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self._as_owner: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root; the server runs as the postgres user
            shutil.chown(work, "postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self._as_owner, *args], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.data / "server.log"), "-w", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
async def outage_setup(tmp_path: Path) -> AsyncIterator[tuple[ServerProcess, PrivatePostgres]]:
    if not BIN or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl)")
    # Not under pytest's tmp_path: its parents are private to this user, and the server may
    # have to run as the postgres user.
    work = Path(tempfile.mkdtemp(prefix="sheda-pg-"))
    pg = PrivatePostgres(work)
    pg.init()
    pg.start()
    try:
        migrate = subprocess.run(
            [sys.executable, "-m", "sheda.cli", "migrate"],
            env=clean_env(SHEDA_ENV="test", SHEDA_DATABASE_URL=pg.url,
                          SHEDA_SECRET_KEY=SECRET_KEY, SHEDA_DATA_DIR=str(tmp_path)),
            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
            timeout=120, check=False,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        server = ServerProcess(database_url=pg.url, redis_url=None, data_dir=tmp_path,
                               workers=1)
        await server.start()
        try:
            yield server, pg
        finally:
            await server.stop()
    finally:
        subprocess.run([*pg._as_owner, str(pg.bin / "pg_ctl"), "-D", str(pg.data), "-m",
                        "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(work, ignore_errors=True)


async def test_postgres_down_is_503_and_up_again_is_served(outage_setup) -> None:
    server, pg = outage_setup
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        ada, bob = await register(http, "ada"), await register(http, "bob")
        sock = await open_socket(server, ada.token, "ada")
        await sock.send({"type": "message", "receiver_id": bob.id, "message": "before",
                         "client_id": "c-before"})
        await sock.wait_for(lambda f: f.get("type") == "ack")

        pg.stop()
        started = time.monotonic()
        for path in ("/api/v1/users/me", "/api/v1/chat/conversations"):
            response = await http.get(path, headers=ada.auth)
            assert response.status_code == 503, (path, response.text)
            body = response.json()
            assert body["code"] == "unavailable" and body["request_id"], body
            assert response.headers["retry-after"] == "2"
        sent = await http.post("/api/v1/chat/messages", headers=ada.auth,
                               json={"receiver_id": bob.id, "message": "down"})
        assert sent.status_code == 503, sent.text
        health = await http.get("/health")
        assert health.status_code == 503 and health.json()["database"] == "down"
        assert time.monotonic() - started < 5, "answers come at once, they do not hang"

        await sock.send({"type": "message", "receiver_id": bob.id, "message": "during",
                         "client_id": "c-during"})
        error = await sock.wait_for(lambda f: f.get("client_id") == "c-during")
        assert error["type"] == "error" and error["code"] == "unavailable", error
        await sock.send({"type": "ping"})
        await sock.wait_for(lambda f: f.get("type") == "pong")  # the socket stayed open

        pg.start()
        back = time.monotonic()
        while (await http.get("/api/v1/users/me", headers=ada.auth)).status_code != 200:
            assert time.monotonic() - back < RECOVERY_BOUND, "not served again within 5 s"
            await asyncio.sleep(0.1)
        # the same socket sends again; the message that failed is retried by its client_id
        await sock.send({"type": "message", "receiver_id": bob.id, "message": "during",
                         "client_id": "c-during"})
        ack = await sock.wait_for(
            lambda f: f.get("client_id") == "c-during" and f.get("type") == "ack", timeout=10
        )
        assert ack["seq"] == 2
        await sock.close()
    assert "unhandled error" not in server.log(), "no request failed with a 500"
