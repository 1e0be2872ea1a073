"""GET /metrics of a real ``sheda serve --workers 2`` (PostgreSQL, Redis): every scrape,
whichever worker answers it, shows the whole server. Requests go over fresh connections so
the kernel spreads them over both workers; the access log says which worker answered."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.chat_cluster.client import close_all, open_spread, register, wait_until
from tests.chat_cluster.cluster import ServerProcess
from tests.operations.metrics_text import label_sets, value
from tests.operations.servers import cluster_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]

N = 60
HEALTH_200 = {"method": "GET", "route": "/health", "status": "200"}
_SCRAPED_BY = re.compile(r"^(Srv \d+)\|.* GET http://\S+/metrics 200", re.M)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    async with cluster_server(tmp_path) as server:
        yield server


async def fresh_get(server: ServerProcess, path: str) -> httpx.Response:
    """A request over a new connection (keep-alive would pin one worker)."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        return await http.get(path)


async def scrapes_from_both_workers(server: ServerProcess, at_least: int) -> list[str]:
    """Scrape until both workers answered, and at least ``at_least`` times."""
    texts: list[str] = []
    for _ in range(60):
        response = await fresh_get(server, "/metrics")
        assert response.status_code == 200, response.text
        texts.append(response.text)
        await asyncio.sleep(0.05)  # the access-log line of that scrape
        workers = set(_SCRAPED_BY.findall(server.log()))
        if len(workers) == 2 and len(texts) >= at_least:
            return texts
    raise AssertionError(f"60 scrapes did not reach both workers: {workers}")


async def test_every_scrape_counts_every_worker(cluster: ServerProcess):
    baseline = value((await fresh_get(cluster, "/metrics")).text, "sheda_http_requests_total",
                     **HEALTH_200)  # fmt: skip
    for _ in range(N):
        assert (await fresh_get(cluster, "/health")).status_code == 200
    answered_by = {
        m for m in re.findall(r"^(Srv \d+)\|.* GET http://\S+/health 200", cluster.log(), re.M)
    }
    assert len(answered_by) == 2, "the health checks did not reach both workers"

    texts = await scrapes_from_both_workers(cluster, at_least=4)
    for text in texts:
        assert value(text, "sheda_http_requests_total", **HEALTH_200) == baseline + N

    last = texts[-1]
    roles = sorted(labels["role"] for labels in label_sets(last, "sheda_process_up"))
    assert roles == ["jobs", "main", "worker", "worker"]
    rss = label_sets(last, "process_resident_memory_bytes")
    assert sorted(labels["role"] for labels in rss) == roles
    assert all(
        value(last, "process_resident_memory_bytes", pid=labels["pid"]) > 0 for labels in rss
    )

    async def jobs_ran() -> bool:
        text = (await fresh_get(cluster, "/metrics")).text
        return value(text, "sheda_job_runs_total", outcome="ok") > 0

    await wait_until(jobs_ran, timeout=15)  # the loop's own process counts too


async def test_open_websockets_on_both_workers(cluster: ServerProcess):
    async with httpx.AsyncClient(base_url=cluster.url, timeout=10) as http:
        owner = await register(http, "owner")
    socks = await open_spread(cluster, owner.token, "s", 6)
    try:

        async def gauge_is(expected: int) -> bool:
            texts = [(await fresh_get(cluster, "/metrics")).text for _ in range(4)]
            return all(value(t, "sheda_websockets_open") == expected for t in texts)

        await wait_until(lambda: gauge_is(len(socks)), timeout=10)
        closing, keep = socks[:3], socks[3:]
        await close_all(closing)
        await wait_until(lambda: gauge_is(len(keep)), timeout=10)
    finally:
        await close_all(socks)
    await wait_until(lambda: gauge_is(0), timeout=10)
