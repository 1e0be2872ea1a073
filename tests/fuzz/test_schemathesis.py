"""Schema-driven fuzzing: schemathesis generates requests for every operation of
/docs/openapi.json and checks every response against the document, on a real server in
both run modes (``python server.py``: SQLite, in-process hub; ``sheda serve --workers 2``:
PostgreSQL and Redis), seeded with the demo data, as an anonymous caller and with a client,
an agent and an admin token (in that order: the admin's run may change what the others see).

Checked (``-c all`` less one): no 5xx; only documented statuses; bodies, content types and
headers as documented (the error body everywhere); bad input refused; 405s with `Allow`;
authentication not ignored; stateful links (create → read → update → delete) followed.
Not checked: "a request the document calls valid is accepted", which cannot hold for
opaque values a schema only describes by shape (a random cursor, one-time code or reset
token is a 422 or 400 by design) nor for addresses in reserved domains (`.test`, `.local`).

Bounded by FUZZ_SECONDS per role and mode (default 25, about 2,000 requests each). Before
a release, run it longer (README, "Tests"): ``FUZZ_SECONDS=600 .venv/bin/pytest -m fuzz``.
A failure's report (and a `curl` to reproduce it) is in the test output and, as JUnit XML,
in the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.chat_cluster.cluster import PG_URL, SECRET_KEY, ServerProcess, clean_env
from tests.operations.servers import cluster_server, embedded_server

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
SECONDS = int(os.environ.get("FUZZ_SECONDS", "25"))
PASSWORD = "sheda-demo-2026"  # sheda seed-demo's
ROLES = {"anonymous": None, "client": "client1", "agent": "agent1", "admin": "admin"}
# Operations that end the caller's own session (a 204 from the first logout made the rest of
# an authenticated run anonymous). They are fuzzed in the anonymous run; what they do for a
# signed-in caller is covered by tests/auth and tests/users.
SESSION_ENDERS = [
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/switch-account",
    "POST /api/v1/auth/password/change",
    "DELETE /api/v1/users/me",
]


def _schemathesis() -> str:
    found = Path(sys.executable).with_name("schemathesis")
    if found.exists():
        return str(found)
    on_path = shutil.which("schemathesis")
    if on_path is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[fuzz]')")
    return on_path


async def _seed(server: ServerProcess) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "sheda.cli", "seed-demo", "--listings", "40"],
        cwd=ROOT,
        env=clean_env(
            SHEDA_ENV="test",
            SHEDA_DATABASE_URL=server.env["SHEDA_DATABASE_URL"],
            SHEDA_SECRET_KEY=SECRET_KEY,
            SHEDA_DATA_DIR=str(server.data_dir),
            SHEDA_BCRYPT_ROUNDS="4",
        ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


async def _token(server: ServerProcess, account: str) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(
            "/api/v1/auth/login",
            json={"username": f"{account}@demo.sheda.local", "password": PASSWORD},
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def _still_signed_in(server: ServerProcess, token: str) -> bool:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code == 200


async def _fuzz(server: ServerProcess, tmp_path: Path) -> None:
    await _seed(server)
    tokens = {role: account and await _token(server, account) for role, account in ROLES.items()}
    failures = []
    for role, token in tokens.items():
        headers = ["-H", f"Authorization: Bearer {token}"] if token else []
        if token:
            headers += [arg for name in SESSION_ENDERS for arg in ("--exclude-name", name)]
        command = [
            _schemathesis(), "--config-file", str(CONFIG), "run",
            f"{server.url}/docs/openapi.json",
            "-c", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-time", str(SECONDS), "-n", "25", "-w", "1", "--seed", "20261207",
            "--report", "junit", "--report-junit-path", str(tmp_path / f"{role}.xml"),
            *headers,
        ]  # fmt: skip
        result = await asyncio.to_thread(
            subprocess.run,
            command,
            cwd=tmp_path,  # schemathesis keeps a cache of failures in ./.schemathesis
            capture_output=True,
            text=True,
            timeout=SECONDS * 4 + 120,
            check=False,
        )
        if result.returncode != 0:
            failures.append(f"--- {role} ---\n{result.stdout[-6000:]}{result.stderr[-2000:]}")
        if token and not await _still_signed_in(server, token):
            failures.append(
                f"--- {role} ---\nthe run ended its own session: the rest was anonymous"
            )
    log = server.log()
    assert not failures, "\n".join(failures)
    crash = log.find("Traceback")
    assert crash < 0, log[max(0, crash - 2000) : crash + 4000]


async def test_fuzz_the_embedded_server(tmp_path: Path) -> None:
    async with embedded_server(tmp_path) as server:
        await _fuzz(server, tmp_path)


@pytest.mark.postgres
@pytest.mark.redis
async def test_fuzz_the_production_server(tmp_path: Path) -> None:
    assert PG_URL
    async with cluster_server(tmp_path, workers=2) as server:
        await _fuzz(server, tmp_path)
