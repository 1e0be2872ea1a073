"""GET /health reports the database and Redis; CORS answers only the configured origins."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sheda.app import create_app
from tests.side_server import serve_beside
from tests.support import LiveServer, assert_error, free_port

ALLOWED = "https://app.example"
EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"cors_origins": (ALLOWED,)}


async def test_health_ok(server: LiveServer, client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200, response.text
    expected_redis = "ok" if server.settings.redis_url else "disabled"
    assert response.json() == {"status": "ok", "database": "ok", "redis": expected_redis}
    assert response.headers["x-request-id"]


async def test_health_is_degraded_when_redis_is_down(server: LiveServer) -> None:
    closed = free_port()  # bound and released: nothing listens there
    settings = server.settings.with_overrides(redis_url=f"redis://127.0.0.1:{closed}/0")
    app = create_app(settings, name="sheda_test_health_redis_down")
    async with serve_beside(app, server, settings) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.get("/health")
    assert response.status_code == 503, response.text
    assert response.json() == {"status": "degraded", "database": "ok", "redis": "down"}


# --- CORS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "method", "headers"),
    [("/health", "GET", ""), ("/api/v1/auth/register", "POST", "content-type")],
)
async def test_preflight_from_an_allowed_origin(
    client: httpx.AsyncClient, path: str, method: str, headers: str
) -> None:
    request_headers = {"Origin": ALLOWED, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    response = await client.options(path, headers=request_headers)
    assert response.status_code in (200, 204), response.text
    assert response.headers.get("access-control-allow-origin") == ALLOWED
    assert method in response.headers.get("access-control-allow-methods", "")
    if headers:
        assert headers in response.headers.get("access-control-allow-headers", "").lower()


async def test_preflight_for_an_authorized_request(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/users/me",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.headers.get("access-control-allow-origin") == ALLOWED
    assert "authorization" in response.headers.get("access-control-allow-headers", "").lower()


async def test_get_from_an_allowed_origin(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers.get("access-control-allow-origin") == ALLOWED
    exposed = response.headers.get("access-control-expose-headers", "").lower()
    assert "x-request-id" in exposed


async def test_error_from_an_allowed_origin_is_readable(client: httpx.AsyncClient) -> None:
    # a browser only lets the frontend read the error body when the CORS headers are there
    response = await client.get("/api/v1/users/me", headers={"Origin": ALLOWED})
    assert_error(response, 401, "unauthorized")
    assert response.headers.get("access-control-allow-origin") == ALLOWED


async def test_other_origins_get_no_cors_headers(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/v1/auth/register",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    get = await client.get("/health", headers={"Origin": EVIL})
    assert get.status_code == 200
    for response in (preflight, get):
        assert "access-control-allow-origin" not in response.headers, dict(response.headers)
        assert "access-control-allow-credentials" not in response.headers
