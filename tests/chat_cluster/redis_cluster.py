"""A Redis Cluster of 3 masters on loopback ports, owned by the test (issue 15): three
`redis-server --cluster-enabled yes` joined by `redis-cli --cluster create`, no replicas.
Stopped (and its files removed) by the fixture that started it."""

from __future__ import annotations

import asyncio
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.chat_cluster.cluster import _spawn, _stop, clean_env

REDIS_CLI = shutil.which("redis-cli")


def _cluster_port() -> int:
    """A free port whose cluster bus port (10,000 above it, so at most 55535) is free too."""
    for _ in range(200):
        port = random.randrange(20_000, 45_000)
        if all(_free(p) for p in (port, port + 10_000)):
            return port
    raise AssertionError("no free pair of ports for a Redis Cluster node")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RedisCluster:
    def __init__(self, work_dir: Path, masters: int = 3) -> None:
        self.ports = [_cluster_port() for _ in range(masters)]
        self.url = f"redis://127.0.0.1:{self.ports[0]}/0"  # any node: the client discovers
        self._dir = work_dir
        self._procs: list[subprocess.Popen[bytes]] = []

    async def start(self, timeout: float = 30.0) -> None:
        for port in self.ports:
            node_dir = self._dir / f"redis-{port}"
            node_dir.mkdir(parents=True, exist_ok=True)
            args = [
                "redis-server", "--port", str(port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no",
                "--dir", str(node_dir), "--daemonize", "no",
            ]  # fmt: skip
            self._procs.append(_spawn(args, env=clean_env(), log=node_dir / "redis.log"))
        await self._cli_until("PONG", "-p", str(self.ports[0]), "ping", timeout=10)
        nodes = [f"127.0.0.1:{port}" for port in self.ports]
        created = await asyncio.to_thread(
            subprocess.run,
            [str(REDIS_CLI), "--cluster", "create", *nodes, "--cluster-replicas", "0",
             "--cluster-yes"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert created.returncode == 0, created.stdout + created.stderr
        await self._cli_until(
            "cluster_state:ok", "-p", str(self.ports[0]), "cluster", "info", timeout=timeout
        )

    async def _cli_until(self, wanted: str, *args: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            result = await asyncio.to_thread(
                subprocess.run, [str(REDIS_CLI), *args], capture_output=True, text=True,
                timeout=5, check=False,
            )  # fmt: skip
            if wanted in result.stdout:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"redis cluster: {args} never said {wanted!r}: "
                                     f"{result.stdout}{result.stderr}")
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        for proc in self._procs:
            await _stop(proc, grace=5.0)
        self._procs.clear()
