"""docker-compose.yml: the several-servers topology the tests run (tests/chat_cluster/
test_balanced.py runs its HAProxy configuration). Docker is not run here; this checks that
the file says what the README says it does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_three_servers_behind_haproxy_on_one_postgres_and_redis() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "sheda1", "sheda2", "sheda3",
                             "haproxy"}
    servers = [services[f"sheda{n}"] for n in (1, 2, 3)]
    assert servers[0] == servers[1] == servers[2]  # one definition (a YAML anchor)
    env = servers[0]["environment"]
    assert env["SHEDA_ENV"] == "production"
    assert env["SHEDA_DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env[
        "SHEDA_DATABASE_URL"]
    assert env["SHEDA_REDIS_URL"].startswith("redis://redis:6379")
    assert env["SHEDA_PROXIES_COUNT"] == "1"
    # The supervisor waits longer than the server's own grace period (README, "Stopping").
    assert int(servers[0]["stop_grace_period"].rstrip("s")) > int(env["SHEDA_GRACEFUL_TIMEOUT"])
    assert servers[0]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["sheda", "migrate"]


def test_the_balancer_sends_to_every_server_and_checks_health() -> None:
    compose = _compose()
    config = compose["configs"]["haproxy_cfg"]["content"]
    assert re.findall(r"^\s+server (s\d) (\S+) check$", config, re.M) == [
        ("s1", "sheda1:8000"), ("s2", "sheda2:8000"), ("s3", "sheda3:8000")]
    assert "balance roundrobin" in config and "option httpchk GET /health" in config
    assert "cookie" not in config and "stick" not in config  # no sticky sessions
    haproxy = compose["services"]["haproxy"]
    assert haproxy["configs"][0]["source"] == "haproxy_cfg"
    assert haproxy["ports"] == ["8080:80"]
