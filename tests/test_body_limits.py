"""Body limits per route: uploads get SHEDA_REQUEST_MAX_SIZE, every other route (JSON, the
login form) SHEDA_BODY_MAX_SIZE; a body over its route's limit is refused with the 413 JSON
error as soon as its declared length is known, before it is read."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image

from sheda.users.models import User
from tests.support import LiveServer, assert_error, bearer, login, register

UPLOAD_LIMIT = 512 * 1024
BODY_LIMIT = 4 * 1024


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"request_max_size": UPLOAD_LIMIT, "body_max_size": BODY_LIMIT}


def _noisy_png(nbytes: int) -> bytes:
    """A valid PNG of about ``nbytes`` (random pixels do not compress)."""
    import random

    side = int((nbytes / 3) ** 0.5) + 1
    rng = random.Random(1)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=0)
    return out.getvalue()


async def test_a_json_body_over_its_limit_is_413(client: httpx.AsyncClient) -> None:
    padding = "x" * BODY_LIMIT
    for response in (
        await client.post("/api/v1/auth/login", json={"username": padding, "password": "p"}),
        await client.post("/api/v1/auth/login", data={"username": padding, "password": "p"}),
        await client.post("/api/v1/auth/register", json={"email": padding, "password": "p"}),
    ):
        assert_error(response, 413, "payload_too_large")
    # under the limit, the same route reads and validates as always
    small = {"username": "x" * 200, "password": "p"}
    response = await client.post("/api/v1/auth/login", json=small)
    assert_error(response, 401, "unauthorized")


async def test_an_upload_may_be_larger_than_a_json_body(client: httpx.AsyncClient) -> None:
    body = await register(client, "root@example.com")
    await User.filter(id=body["user"]["id"]).update(role="admin")
    auth = bearer((await login(client, "root@example.com"))["access_token"])
    image = _noisy_png(100 * 1024)
    assert BODY_LIMIT < len(image) < UPLOAD_LIMIT
    response = await client.post(
        "/api/v1/media/file-upload/property", files=[("files", ("a.png", image, "image/png"))],
        headers=auth,
    )
    assert response.status_code == 201, response.text
    too_big = _noisy_png(UPLOAD_LIMIT)
    response = await client.post(
        "/api/v1/media/file-upload/property", files=[("files", ("b.png", too_big, "image/png"))],
        headers=auth,
    )
    assert_error(response, 413, "payload_too_large")


async def test_a_declared_length_over_the_limit_is_refused_unread(server: LiveServer) -> None:
    """Headers announcing more than the route takes (though less than an upload may be) and
    no body at all: the answer comes at once (it does not wait for the body), 413 in the
    JSON error shape."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n{" % (UPLOAD_LIMIT // 2)
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), 5)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert json.loads(body)["code"] == "payload_too_large"
