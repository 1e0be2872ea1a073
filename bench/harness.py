"""What the benchmark runners share: a server in its own process group (ready only when
every worker is up, stopped with a kill -9 fallback), the machine's description, one-off
SQL on the maintenance database, CPU and memory of processes from /proc, and cleaning up
exactly the Redis keys a run created."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import re
import signal
import socket
import subprocess
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
WORKER_LINE = re.compile(r"Starting worker \[(\d+)\]")


DOC = ROOT / "docs" / "benchmarks.md"
DOC_HEADER = (
    "# Benchmarks\n\n"
    "Figures measured by the scripts in `bench/`. Each section between its markers is "
    "rewritten by its runner; notes outside the markers are kept.\n\n"
)


def replace_section(section: str, start: str, end: str, path: Path = DOC) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) in place of the
    text between those markers in ``path``, or append it; the rest of the file is kept."""
    text = path.read_text() if path.exists() else DOC_HEADER
    if start in text and end in text:
        before, _, rest = text.partition(start)
        _, _, after = rest.partition(end)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A server in its own process group, so that stopping it reaches its workers too."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int,
                 logs: Path, workers: int) -> None:
        self.name, self.argv, self.env, self.port = name, argv, env, port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = logs / f"{name}.log"
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def _children(self) -> int:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return len(path.read_text().split()) if path.exists() else 0

    def worker_pids(self) -> list[int]:
        """The workers that announced themselves in the log ("Starting worker [pid]") and
        are still alive."""
        found = WORKER_LINE.findall(self.log_path.read_text(errors="replace"))
        return sorted({int(pid) for pid in found if Path(f"/proc/{pid}").exists()})

    def wait_ready(self, timeout: float = 90, *, worker_lines: bool = False) -> None:
        """Every worker process is up (and, with ``worker_lines``, has logged that it
        started) and /health answers 20 times in a row on new connections (the kernel
        spreads them over the workers)."""
        assert self.proc is not None
        deadline, streak = time.monotonic() + timeout, 0
        while streak < 20:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready after {timeout} s:\n{self.tail()}")
            try:
                ok = httpx.get(self.url + "/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                ok = False
            up = self._children() >= self.workers
            if worker_lines:
                up = up and len(self.worker_pids()) >= self.workers
            streak = streak + 1 if ok and up else 0
            time.sleep(0.05 if ok else 0.3)

    def tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        group = self.proc.pid  # start_new_session: the group id is the server's pid
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log(f"{self.name} ignored SIGTERM; kill -9")
        # Also reaches workers left behind by a main process that exited or hung.
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.proc.wait(timeout=15)


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")
    meminfo = Path("/proc/meminfo").read_text().split()
    kib = int(meminfo[meminfo.index("MemTotal:") + 1])
    return {"cpu": model, "cpus": str(os.cpu_count()), "memory": f"{kib / 1024**2:.1f} GiB",
            "system": platform.system()}


def dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def admin_query(url: str, statement: str) -> Any:
    conn = await asyncpg.connect(dsn(url))
    try:
        return await conn.fetchval(statement)
    finally:
        await conn.close()


def redis_keys(url: str) -> set[bytes]:
    """Sheda's keys in the benchmark's Redis database before the run, to keep them."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return set(client.scan_iter("sheda:*"))
    finally:
        client.close()


def forget_redis(url: str, keep: set[bytes]) -> int:
    """Delete the Sheda keys (rate limits, presence, tickets) the run created in the
    benchmark's Redis database; keys that were there before and other keys stay."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        created = [key for key in client.scan_iter("sheda:*") if key not in keep]
        if created:
            client.delete(*created)
        return len(created)
    except redis.RedisError:
        return 0
    finally:
        client.close()


# --- /proc ----------------------------------------------------------------------------------

def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):  # a backend may have gone meanwhile
            total += cpu_seconds(pid)
    return total


class CpuWindow:
    """CPU used over a window by each worker, by groups of processes (PostgreSQL's backends
    for the benchmark database, Redis), by this process and by the whole machine."""

    def __init__(self, workers: list[int], groups: dict[str, list[int]]) -> None:
        self.workers, self.groups = workers, groups
        self.started = time.monotonic()
        self.cpu = {pid: cpu_seconds(pid) for pid in workers}
        self.group_cpu = {name: cpu_of(pids) for name, pids in groups.items()}
        self.own = time.process_time()
        self.ticks = machine_ticks()

    def done(self, extra_client_seconds: float = 0.0) -> dict[str, Any]:
        wall = time.monotonic() - self.started
        busy, total = machine_ticks()
        client = time.process_time() - self.own + extra_client_seconds
        return {
            "seconds": round(wall, 2),
            "workers": [round((cpu_seconds(pid) - self.cpu[pid]) / wall * 100)
                        for pid in self.workers],
            "worker_cpu_seconds": round(sum(cpu_seconds(pid) - self.cpu[pid]
                                            for pid in self.workers), 2),
            **{name: round((cpu_of(pids) - self.group_cpu[name]) / wall * 100)
               for name, pids in self.groups.items()},
            "client": round(client / wall * 100),
            "machine": round((busy - self.ticks[0]) / max(1, total - self.ticks[1]) * 100),
        }


async def busy_share(seconds: float) -> int:
    """How busy the machine is (all CPUs, %) over ``seconds``: other work skews figures."""
    before = machine_ticks()
    await asyncio.sleep(seconds)
    after = machine_ticks()
    return round((after[0] - before[0]) / max(1, after[1] - before[1]) * 100)
