"""The real server as a subprocess (``sheda serve --workers 2``) on a fresh PostgreSQL
database, and a private redis-server the tests may stop. The client side is ``client.py``.

The tests talk to the cluster over HTTP and websockets only (and read PostgreSQL directly to
check what was stored). Which worker holds a socket comes from the server's access log:
each worker prefixes its lines with ``Srv N|`` and logs the peer address of every websocket
it accepts, so a socket's local port names its worker.

Every process started here is in its own process group, stopped by the fixture that
started it, and killed at interpreter exit if a test run was interrupted.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("SHEDA_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("SHEDA_TEST_REDIS_URL", "")
SECRET_KEY = "cluster-test-secret-" + "k" * 40

_WORKER_READY = re.compile(r"^(Srv \d+) .*Worker ready \[(\d+)\]", re.M)
_WORKER_READY_JSON = re.compile(r'"message": "Worker ready \[(\d+)\]"')
_WS_ACCEPTED = re.compile(r"^(Srv \d+)\|.*? 127\.0\.0\.1:(\d+)\s+\S+ ws://", re.M)


# --- processes -------------------------------------------------------------------------------

_LIVE: set[subprocess.Popen[bytes]] = set()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL what is left of ``proc``'s process group (its leader is ``proc``, started
    with a session of its own; the group id is not reused while any member lives)."""
    if proc.returncode is not None and Path(f"/proc/{proc.pid}").exists():
        return  # our leader is reaped and its pid belongs to someone else now
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_LIVE):
        _kill_group(proc)
        with contextlib.suppress(Exception):
            proc.wait(timeout=5)
        _LIVE.discard(proc)


def _die_with_parent() -> Callable[[], None] | None:
    """Linux: have the child get SIGTERM when the test process dies, even by SIGKILL (when
    neither the fixtures' finally blocks nor atexit run)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    return lambda: prctl(pr_set_pdeathsig, signal.SIGTERM)


_PREEXEC = _die_with_parent() if sys.platform == "linux" else None


def _spawn(args: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_PREEXEC,  # called from the event loop thread (PDEATHSIG is per thread)
        )
    _LIVE.add(proc)
    return proc


async def _stop(proc: subprocess.Popen[bytes], *, grace: float) -> int | None:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL the whole group. Returns the
    exit code when the process ended on its own after SIGTERM, else None."""
    code: int | None = None
    try:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        code = proc.poll()
        if code is None:
            _kill_group(proc)
            await asyncio.to_thread(proc.wait, 10)
        else:
            _kill_group(proc)  # workers the main process left behind, if any
    finally:
        _LIVE.discard(proc)
    return code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    # Not this test process's settings, nor its metrics directory (a server makes its own).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SHEDA_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env["PYTHONUNBUFFERED"] = "1"  # the log is read while the server runs
    env.update(extra)
    return env


# --- PostgreSQL --------------------------------------------------------------------------------


@dataclass
class Database:
    """A fresh database on the test server, migrated by ``sheda migrate`` in a subprocess."""

    name: str
    maintenance_dsn: str  # asyncpg
    dsn: str  # asyncpg
    url: str  # the app's SHEDA_DATABASE_URL

    @classmethod
    async def create(cls, prefix: str) -> Database:
        import asyncpg

        base = PG_URL.replace("postgresql://", "postgres://", 1).rpartition("/")[0]
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        db = cls(
            name=name,
            maintenance_dsn=base.replace("postgres://", "postgresql://", 1) + "/postgres",
            dsn=base.replace("postgres://", "postgresql://", 1) + f"/{name}",
            url=f"{base}/{name}",
        )
        admin = await asyncpg.connect(db.maintenance_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        return db

    async def migrate(self, data_dir: Path) -> None:
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "sheda.cli", "migrate"],
            cwd=ROOT,
            env=clean_env(
                SHEDA_ENV="test",
                SHEDA_DATABASE_URL=self.url,
                SHEDA_SECRET_KEY=SECRET_KEY,
                SHEDA_DATA_DIR=str(data_dir),
            ),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "applied:" in result.stdout, result.stdout
        # Redis pub/sub channels ignore the database number, so two servers sharing one
        # Redis (another suite, a stray server) both deliver on "sheda:user:1". Ids far
        # from 1, different in every run, keep their users apart.
        await self.execute(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), $1, false)",
            random.randrange(10_000_000, 1_000_000_000),
        )

    async def execute(self, query: str, *args: Any) -> str:
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        try:
            return str(await conn.execute(query, *args))
        finally:
            await conn.close()

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def drop(self) -> None:
        import asyncpg

        admin = await asyncpg.connect(self.maintenance_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await admin.close()


# --- a private Redis ----------------------------------------------------------------------------


class RedisServer:
    """redis-server on a free loopback port, owned by the test (never the shared one)."""

    def __init__(self, work_dir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = work_dir
        self._log = work_dir / "redis.log"
        self._proc: subprocess.Popen[bytes] | None = None

    async def start(self, timeout: float = 10.0) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self._dir)]
        args += ["--loglevel", "verbose"]  # client connects and closes, for diagnosis
        self._proc = _spawn(args, env=clean_env(), log=self._log)
        deadline = time.monotonic() + timeout
        while not await self.answers():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                await self.stop()
                raise AssertionError("redis-server did not start:\n" + self._log.read_text())
            await asyncio.sleep(0.05)

    async def answers(self) -> bool:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.port), 1.0
            )
        except (OSError, TimeoutError):
            return False
        try:
            writer.write(b"PING\r\n")
            await writer.drain()
            return (await asyncio.wait_for(reader.readline(), 1.0)).startswith(b"+PONG")
        except (OSError, TimeoutError):
            return False
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def stop(self) -> None:
        if self._proc is not None:
            await _stop(self._proc, grace=5.0)
            self._proc = None


# --- the server ---------------------------------------------------------------------------------


class ServerProcess:
    """``sheda serve --workers N``, or with ``embedded`` the README's ``python server.py``
    (one worker; SQLite unless told otherwise, no Redis)."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str | None,
        data_dir: Path,
        workers: int = 2,
        embedded: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workers = 1 if embedded else workers
        self.embedded = embedded
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/chat/ws"
        self.data_dir = data_dir
        self.log_path = data_dir / "server.log"
        self.env = clean_env(
            SHEDA_ENV="test",
            SHEDA_DATABASE_URL=database_url,
            SHEDA_SECRET_KEY=SECRET_KEY,
            SHEDA_BCRYPT_ROUNDS="4",
            SHEDA_DATA_DIR=str(data_dir),
            SHEDA_HOST="127.0.0.1",
            SHEDA_PORT=str(self.port),
            # Every account here comes from 127.0.0.1; the per-IP limits are tested elsewhere.
            SHEDA_RATE_REGISTER_IP="10000/1",
            SHEDA_RATE_LOGIN_IP="10000/1",
        )
        if redis_url:
            self.env["SHEDA_REDIS_URL"] = redis_url
        self.env.update(env or {})
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def start(self, timeout: float = 45.0) -> None:
        if self.embedded:
            args = [sys.executable, str(ROOT / "server.py")]
        else:
            args = [sys.executable, "-m", "sheda.cli", "serve", "--workers", str(self.workers)]
        self._proc = _spawn(args, env=self.env, log=self.log_path)
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            while True:
                if self._proc.poll() is not None:
                    raise AssertionError(f"the server exited:\n{self.log()[-4000:]}")
                if time.monotonic() > deadline:
                    await self.stop()
                    raise AssertionError(f"the server was not ready:\n{self.log()[-4000:]}")
                # Every worker ready first: a SIGTERM just after the first response can
                # leave Sanic's main process spinning (DESIGN.md, pitfalls).
                if len(self.ready_workers()) >= self.workers:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await http.get("/health")).status_code == 200:
                            return
                await asyncio.sleep(0.1)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def ready_workers(self) -> dict[str, str]:
        """{"Srv 0": pid, ...} of the workers that logged "Worker ready"."""
        log = self.log()
        found = dict(_WORKER_READY.findall(log))
        # SHEDA_LOG_FORMAT=json: no "Srv N" prefix; each worker is known by its pid
        found.update({f"pid {pid}": pid for pid in _WORKER_READY_JSON.findall(log)})
        return found

    def worker_of_port(self, port: int) -> str | None:
        """The worker that accepted the websocket whose client side is ``port``."""
        found = [name for name, p in _WS_ACCEPTED.findall(self.log()) if int(p) == port]
        return found[-1] if found else None

    async def stop(self) -> int | None:
        if self._proc is None:
            return None
        code = await _stop(self._proc, grace=10.0)
        self._proc = None
        return code

    def send_signal(self, sig: int, *, whole_group: bool = False) -> None:
        """To the main process, or (as systemd's default KillMode does) to every process
        of the server's group."""
        assert self._proc is not None
        if whole_group:
            os.killpg(self._proc.pid, sig)
        else:
            self._proc.send_signal(sig)

    async def exited(self, timeout: float) -> int | None:
        """The exit code once the server ended by itself within ``timeout``, else None
        (then everything left of it is killed)."""
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while self._proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        code = self._proc.poll()
        await _stop(self._proc, grace=0)  # leftovers of the group, if any
        self._proc = None
        return code


def tracebacks(log: str, allowed: Iterable[str] = ()) -> list[str]:
    """The tracebacks in ``log`` with the line logged just before each; those whose line
    contains one of ``allowed`` (an expected warning logged with its exception) are left out."""
    lines = log.splitlines()
    found = []
    allowed = tuple(allowed)
    for i, line in enumerate(lines):
        if not line.startswith("Traceback"):
            continue
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        if before.startswith(("During handling", "The above exception")):
            continue  # the chained part of a traceback seen already
        if any(text in before for text in allowed):
            continue
        found.append("\n".join(lines[max(0, i - 1) : i + 30]))
    return found


@contextlib.asynccontextmanager
async def running_cluster(
    redis_url: str, work_dir: Path, *, workers: int = 2
) -> AsyncIterator[tuple[ServerProcess, Database]]:
    """A migrated database of its own and the server on it; both gone afterwards."""
    db = await Database.create("sheda_cluster")
    try:
        await db.migrate(work_dir)
        server = ServerProcess(
            database_url=db.url, redis_url=redis_url, data_dir=work_dir, workers=workers
        )
        try:
            await server.start()
            yield server, db
        finally:
            code = await server.stop()
            if code != 0:  # the pitfall in DESIGN.md; the group was killed, so say it
                print(f"\n[cluster] the server did not exit cleanly on SIGTERM (code {code})")
    finally:
        await db.drop()
