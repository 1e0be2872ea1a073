"""What a frontend developer meets first, in development: GET / with links, the playground,
the demo accounts it offers, CORS open to local dev servers (and only in development)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sheda.app import create_app
from sheda.demo.vocab import PASSWORD
from sheda.users.models import Role, User, UserType
from tests.side_server import serve_beside
from tests.support import LiveServer, assert_error, register

LINKS = {"docs", "openapi", "socket_docs", "asyncapi", "socket", "playground", "health", "api"}


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"env": "development"}


async def test_home_lists_where_everything_is(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= LINKS
    for key in LINKS - {"api", "socket"}:
        assert (await client.get(body[key])).status_code == 200, key
    assert body["playground"] == "/playground"


async def test_a_browser_gets_a_page_of_links(client: httpx.AsyncClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = await client.get("/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for link in ('href="/docs"', 'href="/docs/socket"', 'href="/playground"'):
        assert link in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_the_playground_is_a_static_page_with_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/playground")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("/docs/assets/playground.js", "/docs/assets/playground.css"):
        assert asset in page.text
        assert (await client.get(asset)).status_code == 200


async def test_demo_accounts_are_offered_once_seeded(client: httpx.AsyncClient) -> None:
    empty = await client.get("/playground/accounts")
    assert empty.status_code == 200
    assert empty.json() == {"password": None, "accounts": []}
    # What seed-demo leaves: accounts @demo.sheda.local (written straight to the table, as
    # seed-demo does; registration refuses that domain).
    someone = await register(client, "someone@example.com")
    template = await User.get(id=someone["user"]["id"])
    for n, (kind, role) in enumerate(
        [(UserType.AGENT, Role.USER)] * 4 + [(UserType.CLIENT, Role.USER)] * 4
        + [(UserType.CLIENT, Role.ADMIN)]
    ):
        await User.create(
            email=f"{kind.value}{n}@demo.sheda.local", password_hash=template.password_hash,
            user_type=kind, role=role, fullname=f"Demo {n}",
        )
    body = (await client.get("/playground/accounts")).json()
    assert body["password"] == PASSWORD
    labels = [account["label"].split(",")[0] for account in body["accounts"]]
    assert labels == ["admin", "agent", "agent", "agent", "client", "client", "client"]
    assert all(account["email"].endswith("@demo.sheda.local") for account in body["accounts"])
    assert "someone@example.com" not in {account["email"] for account in body["accounts"]}


@pytest.mark.parametrize(
    "origin", ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost", "http://[::1]:8080"]
)
async def test_development_lets_local_dev_servers_call_the_api(
    client: httpx.AsyncClient, origin: str
) -> None:
    preflight = await client.options(
        "/api/v1/auth/login",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,authorization"},
    )
    assert preflight.headers.get("access-control-allow-origin") == origin
    response = await client.get("/api/v1/properties", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers.get("access-control-allow-origin") == origin
    assert "x-request-id" in response.headers.get("access-control-expose-headers", "")


@pytest.mark.parametrize(
    "origin",
    ["https://localhost:5173", "http://localhost.evil.example", "http://evil.example",
     "http://localhost:5173.evil.example"],
)
async def test_other_origins_get_no_cors_headers_in_development(
    client: httpx.AsyncClient, origin: str
) -> None:
    response = await client.get("/api/v1/properties", headers={"Origin": origin})
    assert "access-control-allow-origin" not in response.headers


async def test_outside_development_localhost_is_not_let_in(server: LiveServer) -> None:
    settings = server.settings.with_overrides(env="test")
    app = create_app(settings, name="sheda_test_home_not_dev")
    async with serve_beside(app, server, settings) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.get("/health", headers={"Origin": "http://localhost:5173"})
    assert "access-control-allow-origin" not in response.headers


async def test_the_playground_can_be_switched_off(server: LiveServer) -> None:
    settings = server.settings.with_overrides(playground=False)
    app = create_app(settings, name="sheda_test_home_no_playground")
    async with serve_beside(app, server, settings) as url, httpx.AsyncClient(base_url=url) as http:
        for path in ("/playground", "/playground/accounts", "/docs/assets/playground.js"):
            assert_error(await http.get(path), 404, "not_found")
        assert (await http.get("/")).json()["playground"] is None
        assert (await http.get("/docs/socket")).status_code == 200  # the docs stay


async def test_the_json_answer_keeps_the_strict_policy(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
