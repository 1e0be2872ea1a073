"""SHEDA_LOG_FORMAT=json on a real server: every line on stderr, from start to exit, is one
JSON object; request lines carry the request's X-Request-ID, route, status and duration;
lines logged while a request is handled carry its id (and the caller once known); no
credential ever reaches the log. Embedded (``python server.py``), and ``sheda serve
--workers 2`` with the background loop's process and Redis."""

from __future__ import annotations

import json
import signal
from typing import Any

import httpx
import pytest

from tests.chat_cluster.client import open_socket, register
from tests.chat_cluster.cluster import ServerProcess
from tests.operations.servers import cluster_server, embedded_server

pytestmark = pytest.mark.timeout(120)

BASE_KEYS = {"time", "level", "logger", "message", "process"}


def parsed_lines(log: str) -> list[dict[str, Any]]:
    lines = [line for line in log.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
        assert isinstance(record, dict), line
        assert set(record) >= BASE_KEYS, record
        records.append(record)
    return records


async def exercise(server: ServerProcess) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        health = await http.get("/health", headers={"X-Request-ID": "abc"})
        assert health.status_code == 200 and health.headers["x-request-id"] == "abc"
        registered = await http.post(
            "/api/v1/auth/register",
            json={"email": "logs@example.com", "password": "correct horse battery"},
            headers={"X-Request-ID": "signup-1"},
        )
        assert registered.status_code == 201, registered.text
        token = registered.json()["access_token"]
        denied = await http.get("/api/v1/users/me", headers={"Authorization": "Bearer nope"})
        assert denied.status_code == 401
        owner = await register(http, "owner")
        sock = await open_socket(server, owner.token, "s")
        await sock.send({"type": "ping"})
        await sock.wait_for(lambda f: f.get("type") == "pong")
        await sock.close()
    return {"token": token, "socket_token": owner.token, "user_id": str(owner.id)}


def assert_json_log(server: ServerProcess, seen: dict[str, str]) -> list[dict[str, Any]]:
    log = server.log()
    records = parsed_lines(log)
    assert seen["token"] not in log and seen["socket_token"] not in log

    health = [r for r in records if r.get("request_id") == "abc"]
    assert [r["logger"] for r in health] == ["sheda.access"], health
    (line,) = health
    assert (line["method"], line["route"], line["status"]) == ("GET", "/health", 200)
    assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0

    signup = [r for r in records if r.get("request_id") == "signup-1"]
    loggers = {r["logger"] for r in signup}
    assert {"sheda.auth", "sheda.access"} <= loggers, signup  # a line from inside, and the end

    refused = [r for r in records if r.get("route") == "/api/v1/users/me"]
    assert [r["status"] for r in refused] == [401]

    socket_lines = [r for r in records if r["message"].startswith("websocket ")]
    assert [r["message"] for r in socket_lines] == ["websocket opened", "websocket closed"]
    assert all(str(r.get("user_id")) == seen["user_id"] for r in socket_lines), socket_lines
    assert socket_lines[0]["route"] == "/api/v1/chat/ws"
    return records


@pytest.mark.embedded
async def test_embedded_server_writes_json_lines(tmp_path):
    async with embedded_server(tmp_path, SHEDA_LOG_FORMAT="json") as server:
        seen = await exercise(server)
        server.send_signal(signal.SIGTERM)
        assert await server.exited(15) == 0
    records = assert_json_log(server, seen)
    assert any(r["message"] == "Server Stopped" for r in records)  # Sanic's own, to the end


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_worker_server_writes_json_lines(tmp_path):
    async with cluster_server(tmp_path, SHEDA_LOG_FORMAT="json") as server:
        seen = await exercise(server)
        server.send_signal(signal.SIGTERM)
        assert await server.exited(15) == 0
    records = assert_json_log(server, seen)
    processes = {r["process"] for r in records if r["logger"] == "sheda.jobs"}
    assert processes  # the background loop's process logs JSON too
    assert len({r["process"] for r in records}) >= 4  # main, two workers, the loop
