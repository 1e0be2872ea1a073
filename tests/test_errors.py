"""Every error is API.md's JSON body ``{detail, code, request_id}`` (+ ``errors`` on 422):
never HTML, never a traceback; every response carries X-Request-ID."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sanic import Request
from sanic.response import HTTPResponse

from sheda.app import create_app
from sheda.common.access import Access
from sheda.common.http import endpoint
from tests.side_server import serve_beside
from tests.support import LiveServer, assert_error

MAX_BODY = 1024
REGISTER = "/api/v1/auth/register"


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"request_max_size": MAX_BODY}


def assert_json_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = assert_error(response, status, code)
    assert set(body) <= {"detail", "code", "request_id", "errors"}, body
    assert "Traceback" not in response.text
    return body


# --- routing and parsing errors -----------------------------------------------------------


async def test_unknown_route_is_404_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route", headers={"Accept": "text/html"})
    body = assert_json_error(response, 404, "not_found")
    assert "<html" not in response.text.lower()
    assert body["request_id"]


async def test_non_numeric_id_in_path_is_404(client: httpx.AsyncClient) -> None:
    assert_json_error(await client.get("/api/v1/users/abc"), 404, "not_found")


async def test_wrong_method_is_405_json(client: httpx.AsyncClient) -> None:
    response = await client.delete("/health", headers={"Accept": "text/html"})
    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER,
        content=b'{"email": "a@example.com",',
        headers={"Content-Type": "application/json"},
    )
    assert_json_error(response, 400, "bad_request")


async def test_json_sent_as_text_plain_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER,
        content=b'{"email": "ada@example.com", "password": "correct horse"}',
        headers={"Content-Type": "text/plain"},
    )
    assert_json_error(response, 415, "unsupported_media_type")


async def test_validation_error_is_422_with_field_errors(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json={"email": "not-an-email", "password": "short"})
    body = assert_json_error(response, 422, "validation_error")
    errors = body["errors"]
    assert isinstance(errors, list) and errors
    for item in errors:
        assert set(item) == {"field", "message"}, item
        assert isinstance(item["message"], str) and item["message"]
    fields = {item["field"] for item in errors}
    assert {"body.email", "body.password"} <= fields


async def test_field_the_caller_may_not_set_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER, json={"email": "ada@example.com", "password": "correct horse", "role": "admin"}
    )
    body = assert_json_error(response, 422, "validation_error")
    assert [item["field"] for item in body["errors"]] == ["body.role"]


async def test_json_that_is_not_an_object_is_422(client: httpx.AsyncClient) -> None:
    body = assert_json_error(await client.post(REGISTER, json=[1, 2]), 422, "validation_error")
    assert body["errors"] and body["errors"][0]["field"] == "body"


async def test_body_over_the_limit_is_413_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER,
        content=b"x" * (MAX_BODY * 4),
        headers={"Content-Type": "application/json", "X-Request-ID": "too-big-1"},
    )
    body = assert_json_error(response, 413, "payload_too_large")
    assert body["request_id"] == "too-big-1"


async def test_streamed_body_over_the_limit_is_413_json(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked encoding
        for _ in range(8):
            yield b"x" * (MAX_BODY // 2)

    response = await client.post(
        REGISTER, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_json_error(response, 413, "payload_too_large")


async def test_body_under_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    # the 413 above comes from the size, not from a limit that refuses everything
    response = await client.post(REGISTER, json={"email": "ada@example.com", "password": "x" * 40})
    assert response.status_code == 201, response.text


# --- uncaught exceptions --------------------------------------------------------------------


async def test_uncaught_exception_is_500_json_without_traceback(server: LiveServer) -> None:
    app = create_app(server.settings, name="sheda_test_errors_boom")

    @app.get("/boom")
    @endpoint(Access.PUBLIC, summary="Always fails", tag="Test")
    async def boom(request: Request) -> HTTPResponse:
        raise RuntimeError("kaboom-internal-detail in /secret/path.py")

    async with serve_beside(app, server) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.get("/boom", headers={"Accept": "text/html"})
        given = await http.get("/boom", headers={"X-Request-ID": "boom-42"})

    body = assert_json_error(response, 500, "internal_error")
    assert body["request_id"]
    for leak in ("kaboom", "RuntimeError", "/secret/path.py", 'File "'):
        assert leak not in response.text
    assert assert_json_error(given, 500, "internal_error")["request_id"] == "boom-42"


async def test_module_server_still_works_after_another_app(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    # guards the helper above: the module's server keeps its database
    app = create_app(server.settings, name="sheda_test_errors_other")
    async with serve_beside(app, server) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/health")).status_code == 200
    response = await client.get("/health")
    assert response.status_code == 200, response.text
    assert response.json()["database"] == "ok"


# --- X-Request-ID ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/no/such/route"])
async def test_request_id_is_echoed(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"X-Request-ID": "client-chosen-id-7"})
    assert response.headers["x-request-id"] == "client-chosen-id-7"
    if response.status_code >= 400:
        assert response.json()["request_id"] == "client-chosen-id-7"


@pytest.mark.parametrize(
    "given", ["007", "0AF76519-16CD-43DD-8448-EB211C80319C", "0AF7651916CD43DD8448EB211C80319C"]
)
async def test_request_id_is_echoed_verbatim(client: httpx.AsyncClient, given: str) -> None:
    ok = await client.get("/health", headers={"X-Request-ID": given})
    missing = await client.get("/no/such/route", headers={"X-Request-ID": given})
    assert ok.headers["x-request-id"] == given
    assert missing.headers["x-request-id"] == given
    assert missing.json()["request_id"] == given


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    ok, missing, invalid = await asyncio.gather(
        client.get("/health"),
        client.get("/no/such/route"),
        client.post(REGISTER, json={"email": "nope"}),
    )
    ids = [r.headers["x-request-id"] for r in (ok, missing, invalid)]
    assert all(i.strip() for i in ids), ids
    assert len(set(ids)) == 3, "each request gets its own id"
    assert ok.status_code == 200
    assert_json_error(missing, 404, "not_found")
    assert_json_error(invalid, 422, "validation_error")


# --- X-Request-ID ----------------------------------------------------------------------------


async def _raw_get(server: LiveServer, path: str, request_id: bytes) -> tuple[bytes, bytes]:
    """(head, body) of a GET sent byte for byte (httpx refuses control characters)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"X-Request-ID: " + request_id + b"\r\n\r\n"
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize(
    "sent",
    [
        b"\x1b[31mred\x1b[0m",  # an ANSI escape: would colour (or rewrite) a terminal's log
        b"abc\x07def",  # a control character
        b"x" * 129,  # longer than any trace id
        b'a"b',  # would end a quoted log field
        b"two words",
        "caf\u00e9".encode(),  # non-ASCII
    ],
)
async def test_an_unsafe_request_id_is_replaced_everywhere(
    server: LiveServer, caplog: pytest.LogCaptureFixture, sent: bytes
) -> None:
    head, body = await _raw_get(server, "/api/v1/nothing-here", sent)
    assert head.startswith(b"HTTP/1.1 404"), head
    echoed = [line.partition(b":")[2].strip() for line in head.split(b"\r\n")
              if line.lower().startswith(b"x-request-id:")]
    assert len(echoed) == 1 and echoed[0] != sent, head
    assert re.fullmatch(rb"[0-9a-f-]{36}", echoed[0]), echoed  # an id of our own
    assert json.loads(body)["request_id"] == echoed[0].decode()
    for record in caplog.records:
        assert sent.decode(errors="replace") not in record.getMessage()
        assert getattr(record, "request_id", "") != sent.decode(errors="replace")


@pytest.mark.parametrize("sent", ["abc-123", "007", "4bf92f3577b34da6a3ce929d0e0e4736",
                                  "00-4bf92f35-00f067aa0ba902b7-01", "web:42/retry=1@edge"])
async def test_a_plain_request_id_is_echoed_verbatim(client: httpx.AsyncClient, sent: str) -> None:
    response = await client.get("/api/v1/nothing-here", headers={"X-Request-ID": sent})
    assert response.headers["x-request-id"] == sent
    assert response.json()["request_id"] == sent


# --- security headers ------------------------------------------------------------------------

SECURITY = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


async def test_every_kind_of_response_carries_the_security_headers(
    client: httpx.AsyncClient,
) -> None:
    signed_up = await client.post(REGISTER, json={"email": "ada@example.com", "password": "x" * 40})
    responses = {
        "201 with tokens": signed_up,
        "200": await client.get("/health"),
        "404": await client.get("/api/v1/nothing-here"),
        "405": await client.put("/health"),
        "413": await client.post(REGISTER, content=b"x" * (MAX_BODY * 4),
                                 headers={"Content-Type": "application/json"}),
        "422": await client.post(REGISTER, json=[1]),
        "openapi": await client.get("/docs/openapi.json"),
    }
    assert signed_up.status_code == 201 and "access_token" in signed_up.json()
    for name, response in responses.items():
        for header, value in SECURITY.items():
            assert response.headers.get(header) == value, (name, header, response.headers)
        # JSON for programs: nothing may be loaded or framed from it, nothing cached
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        ), name
        assert response.headers["cache-control"] == "no-store", name


async def test_the_docs_page_may_load_only_its_own_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # scripts fall back to 'self': no inline, no CDN
    assert page.headers["x-frame-options"] == "DENY"
    asset = await client.get("/docs/assets/init.js")
    assert asset.status_code == 200
    # its own caching, kept
    assert "max-age=86400" in asset.headers["cache-control"]
    assert "no-store" not in asset.headers["cache-control"]
    assert asset.headers["x-content-type-options"] == "nosniff"


# --- oversized heads ---------------------------------------------------------------------------


async def _raw(server: LiveServer, head: bytes) -> tuple[bytes, dict[str, Any]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(head)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    status_head, _, body = answer.partition(b"\r\n\r\n")
    return status_head, json.loads(body)


async def test_a_url_too_long_is_414_json(server: LiveServer) -> None:
    head, body = await _raw(
        server, b"GET /api/v1/properties?q=" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert head.startswith(b"HTTP/1.1 414"), head
    assert body["code"] == "uri_too_long" and body["request_id"]
    assert b"x-content-type-options: nosniff" in head.lower()


async def test_headers_too_large_are_431_json(server: LiveServer) -> None:
    head, body = await _raw(
        server, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"p" * 10_000 + b"\r\n\r\n"
    )
    assert head.startswith(b"HTTP/1.1 431"), head
    assert body["code"] == "headers_too_large" and body["request_id"]


async def test_multipart_without_a_boundary_is_400_and_no_traceback(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the fuzzer: Sanic read such a body as an empty form and logged a traceback."""
    no_boundary = {"Content-Type": "multipart/form-data"}
    response = await client.post("/api/v1/auth/login", content=b"--x\r\n", headers=no_boundary)
    assert_json_error(response, 400, "bad_request")
    signed_up = await client.post(REGISTER, json={"email": "ada@example.com", "password": "x" * 40})
    auth = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
    response = await client.put(
        "/api/v1/users/me/avatar", content=b"--x\r\n", headers={**no_boundary, **auth}
    )
    assert_json_error(response, 400, "bad_request")
    assert not [r for r in caplog.records if r.levelno >= 40]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        # A part with no header line (found by the fuzzer on PUT /users/me/avatar).
        ("multipart/form-data; boundary=x", b"--x\r\nno colon here\r\n\r\ndata\r\n--x--\r\n"),
        ("application/x-www-form-urlencoded", b"username=\xff\xfe&password=x"),
    ],
)
async def test_a_malformed_form_body_is_400_and_no_traceback(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, content_type: str, body: bytes
) -> None:
    headers = {"Content-Type": content_type}
    response = await client.post("/api/v1/auth/login", content=body, headers=headers)
    assert_json_error(response, 400, "bad_request")
    signed_up = await client.post(REGISTER, json={"email": "ada@example.com", "password": "x" * 40})
    auth = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
    if content_type.startswith("multipart"):
        avatar = "/api/v1/users/me/avatar"
        response = await client.put(avatar, content=body, headers={**headers, **auth})
        assert_json_error(response, 400, "bad_request")
    assert not [r for r in caplog.records if r.levelno >= 40]
