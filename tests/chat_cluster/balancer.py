"""HAProxy (Debian's package) in front of several real servers, on loopback: what the tests
of several servers talk to, configured with docker-compose.yml's own HAProxy configuration
(round robin, no sticky sessions; websockets pass through as HTTP upgrades; /health checked
every 300 ms, so a server that drains stops getting new connections within 600 ms)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import resource
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import httpx

from tests.chat_cluster.cluster import _spawn, _stop, clean_env, free_port

HAPROXY = shutil.which("haproxy") or next(
    (str(p) for p in (Path("/usr/sbin/haproxy"),) if p.exists()), None
)

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def deployed_config(port: int, backends: list[int]) -> str:
    """docker-compose.yml's HAProxy configuration, pointed at loopback: the balancer on
    ``port``, its servers s1, s2, … on ``backends``. The tests run the deployed file."""
    text = COMPOSE.read_text()
    block = r"^  haproxy_cfg:\n(?:    #.*\n)*    content: \|\n((?:      .*\n|\n)+)"
    found = re.search(block, text, re.M)
    assert found, "docker-compose.yml has no haproxy_cfg content"
    config = textwrap.dedent(found.group(1))
    config, bound = re.subn(r"^(\s+)bind :80$", rf"\1bind 127.0.0.1:{port}", config, flags=re.M)
    assert bound == 1, config
    for n, backend in enumerate(backends, 1):
        config, replaced = re.subn(
            rf"^(\s+server s{n}) \S+:8000", rf"\1 127.0.0.1:{backend}", config, flags=re.M
        )
        assert replaced == 1, f"no server s{n} in the deployed configuration"
    assert len(re.findall(r"^\s+server ", config, re.M)) == len(backends), config
    # HAProxy needs two descriptors per connection: fit maxconn to this machine's limit
    # (the deployment raises it with `ulimits`).
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY:
        config = re.sub(r"maxconn (\d+)",
                        lambda m: f"maxconn {min(int(m.group(1)), (hard - 100) // 2)}", config)
    return config


class Balancer:
    def __init__(self, work_dir: Path, backends: list[int]) -> None:
        assert HAPROXY, "haproxy is not installed"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/chat/ws"
        self._config = work_dir / "haproxy.cfg"
        self._log = work_dir / "haproxy.log"
        self._config.write_text(deployed_config(self.port, backends))
        self._proc: subprocess.Popen[bytes] | None = None

    async def start(self, timeout: float = 15.0) -> None:
        # -db: stay in the foreground, log to stderr; -W would be the master-worker mode.
        args = [str(HAPROXY), "-db", "-f", str(self._config)]
        self._proc = _spawn(args, env=clean_env(), log=self._log)
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            while True:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    await self.stop()
                    raise AssertionError("haproxy did not start:\n" + self.log())
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/health")).status_code == 200:
                        return
                await asyncio.sleep(0.1)

    def log(self) -> str:
        try:
            return self._log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    async def stop(self) -> None:
        if self._proc is not None:
            await _stop(self._proc, grace=5.0)
            self._proc: subprocess.Popen[bytes] | None = None
