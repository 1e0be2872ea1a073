"""Default deny (every route declares who may call it) and the published API description:
the OpenAPI spec covers every /api/v1 route with its access rule, and /docs works offline."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate as validate_spec
from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from sheda.app import create_app
from sheda.common.access import Access
from sheda.common.http import endpoint
from tests.side_server import serve_beside
from tests.support import LiveServer, assert_error

AUTO_METHODS = {"HEAD", "OPTIONS"}  # added by sanic-ext; the spec leaves them out
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def undeclared_routes(app: Sanic) -> list[str]:
    found = []
    for route in app.router.routes:
        rule = getattr(route.ctx, "access", None)
        if not isinstance(rule, Access):
            found.append(f"{sorted(route.methods)} {route.uri} ({route.name}): {rule!r}")
    return found


def openapi_path(uri: str) -> str:
    """Sanic's ``/users/<user_id:int>`` → OpenAPI's ``/users/{user_id}``."""
    return re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", uri)


def api_routes(app: Sanic) -> dict[tuple[str, str], Access]:
    """(OpenAPI path, lower-case method) → access rule, for every /api/v1 route."""
    found: dict[tuple[str, str], Access] = {}
    for route in app.router.routes:
        uri = "/" + route.path.lstrip("/")
        if not uri.startswith("/api/v1/"):
            continue
        for method in route.methods - AUTO_METHODS:
            found[(openapi_path(uri), method.lower())] = route.ctx.access
    return found


def spec_operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


@pytest.fixture(scope="module")
async def spec(server: LiveServer) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get("/docs/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


# --- default deny ---------------------------------------------------------------------------


def test_every_route_declares_an_access_rule(server: LiveServer) -> None:
    assert len(server.app.router.routes) > 10
    problems = undeclared_routes(server.app)
    assert not problems, "routes without an Access rule:\n" + "\n".join(problems)


async def test_unmarked_route_is_denied_at_run_time(
    server: LiveServer, spec: dict[str, Any]
) -> None:
    # ``spec`` is fetched first on purpose: the spec builder is a process-wide singleton
    # that this second app also feeds.
    app = create_app(server.settings, name="sheda_test_routes_unmarked")

    @app.get("/unmarked")
    async def unmarked(request: Request) -> HTTPResponse:
        return json({"secret": "data"})

    @app.get("/marked")
    @endpoint(Access.PUBLIC, summary="Marked", tag="Test")
    async def marked(request: Request) -> HTTPResponse:
        return json({"ok": True})

    async with serve_beside(app, server) as url, httpx.AsyncClient(base_url=url) as http:
        denied = await http.get("/unmarked")
        denied_head = await http.head("/unmarked")
        allowed = await http.get("/marked")
        problems = undeclared_routes(app)

    body = assert_error(denied, 403, "forbidden")
    assert "secret" not in denied.text, body
    assert denied_head.status_code == 403
    assert allowed.status_code == 200 and allowed.json() == {"ok": True}
    # the walk above would have caught it
    assert any("/unmarked" in p for p in problems), problems
    assert not any("/marked " in p for p in problems), problems


# --- OpenAPI ------------------------------------------------------------------------------


def test_spec_is_valid_openapi(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    validate_spec(spec)


def test_spec_lists_every_api_route(server: LiveServer, spec: dict[str, Any]) -> None:
    routes = set(api_routes(server.app))
    documented = {key for key in spec_operations(spec) if key[0].startswith("/api/v1/")}
    assert routes, "no /api/v1 routes found in the router"
    missing = sorted(routes - documented)
    extra = sorted(documented - routes)
    assert not missing, f"routes missing from the spec: {missing}"
    assert not extra, f"spec operations with no route: {extra}"


def test_each_operation_names_its_access_rule(server: LiveServer, spec: dict[str, Any]) -> None:
    rules = api_routes(server.app)
    operations = spec_operations(spec)
    schemes = spec.get("components", {}).get("securitySchemes", {})
    wrong = []
    for key, rule in sorted(rules.items()):
        operation = operations.get(key)
        if operation is None:
            continue  # reported by test_spec_lists_every_api_route
        if not operation.get("description", "").startswith(f"**Access: {rule.value}.**"):
            wrong.append(f"{key}: description {operation.get('description')!r} for {rule.value}")
        security = operation.get("security") or []
        if rule is Access.PUBLIC:
            if any(requirement for requirement in security):
                wrong.append(f"{key}: public but requires {security}")
        else:
            if not security or not all(requirement for requirement in security):
                wrong.append(f"{key}: {rule.value} route without security")
            for requirement in security:
                unknown = set(requirement) - set(schemes)
                if unknown:
                    wrong.append(f"{key}: unknown security scheme {unknown}")
    assert not wrong, "\n".join(wrong)


def test_every_documented_operation_names_an_access_rule(spec: dict[str, Any]) -> None:
    # also operations outside /api/v1 (health) follow the convention
    rules = "|".join(a.value for a in Access)
    bad = [
        key
        for key, operation in spec_operations(spec).items()
        if not re.match(rf"\*\*Access: ({rules})\.\*\*", operation.get("description", ""))
    ]
    assert not bad, bad


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"external $ref {ref}"
    node: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    refs = set(_refs(spec))
    assert refs, "the spec uses no $ref at all"
    dangling = sorted(ref for ref in refs if not isinstance(_resolve(spec, ref), dict))
    assert not dangling, f"unresolved $refs: {dangling}"


def test_error_responses_use_the_error_schema(spec: dict[str, Any]) -> None:
    error_body = spec["components"]["schemas"]["ErrorBody"]
    assert {"detail", "code", "request_id"} <= set(error_body["required"])
    unexpected = []
    for key, operation in spec_operations(spec).items():
        for status, response in operation.get("responses", {}).items():
            if status.startswith("4") and "content" in response:
                schema = response["content"]["application/json"]["schema"]
                if schema != {"$ref": "#/components/schemas/ErrorBody"}:
                    unexpected.append((key, status, schema))
    assert not unexpected, unexpected


# --- /docs works offline -----------------------------------------------------------------------


def test_what_every_route_may_answer_is_documented(spec: dict[str, Any]) -> None:
    """What the fuzzer (tests/fuzz) first found undocumented: 404 where a path names an
    object, 400 (not JSON) and 413 (too large) where there is a body, 426 on the socket,
    no content on a 204."""
    operations = spec_operations(spec)
    for (path, method), operation in operations.items():
        statuses = set(operation["responses"])
        if "{" in path:
            assert "404" in statuses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413"} <= statuses, (method, path)
        if "204" in statuses:
            assert "content" not in operation["responses"]["204"], (method, path)
    assert "426" in operations[("/api/v1/chat/ws", "get")]["responses"]


def test_bodies_without_required_fields_are_optional(spec: dict[str, Any]) -> None:
    operations = spec_operations(spec)
    assert operations[("/api/v1/auth/logout", "post")]["requestBody"]["required"] is False
    assert operations[("/api/v1/users/me", "patch")]["requestBody"]["required"] is False
    assert operations[("/api/v1/auth/login", "post")]["requestBody"]["required"] is True


def test_the_rules_the_server_enforces_are_in_the_schemas(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    register = schemas["RegisterIn"]["properties"]
    assert "pattern" in register["username"] and "+" in register["phone_number"]["pattern"]
    price = schemas["PropertyCreate"]["properties"]["price"]["anyOf"]
    assert {"type": "number", "minimum": 0, "exclusiveMinimum": True,
            "maximum": 999999999999.99, "multipleOf": 0.01} in price
    operations = spec_operations(spec)
    upload = operations[("/api/v1/media/file-upload/{type}", "post")]
    assert [p["name"] for p in upload["parameters"] if p["in"] == "path"] == ["type"]


async def test_docs_page_uses_only_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "http://" not in html and "https://" not in html, "the docs page loads from the web"
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls), urls
    for url in urls:
        assert url.startswith("/docs/assets/"), f"{url} is not served by the app"
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
        expected = "text/css" if url.endswith(".css") else "javascript"
        assert expected in asset.headers["content-type"], (url, asset.headers["content-type"])


async def test_docs_script_loads_the_local_spec(client: httpx.AsyncClient) -> None:
    page = (await client.get("/docs")).text
    scripts = [
        (await client.get(url)).text
        for url in re.findall(r"""src\s*=\s*["'](/docs/assets/[^"']+)["']""", page)
    ]
    assert any("/docs/openapi.json" in script for script in scripts)


@pytest.mark.parametrize(
    "path", ["/docs/assets/nothing.js", "/docs/assets/..%2Fswagger.html", "/docs/assets/"]
)
async def test_unknown_docs_asset_is_404(client: httpx.AsyncClient, path: str) -> None:
    assert_error(await client.get(path), 404, "not_found")
