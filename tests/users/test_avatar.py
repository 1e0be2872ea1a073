"""PUT /api/v1/users/me/avatar and serving the stored file from GET /api/v1/media/{path}."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image

from sheda.users.models import User
from tests.support import assert_error, bearer, register

AVATAR = "/api/v1/users/me/avatar"
GPS_IFD = 0x8825
MAKE = 0x010F


def _png(size: tuple[int, int] = (32, 24), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 120 if mode in ("L", "1") else (20, 120, 220)).save(out, format="PNG")
    return out.getvalue()


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "SpyCam"
    exif[GPS_IFD] = {1: "N", 2: (6.0, 27.0, 15.5), 3: "E", 4: (3.0, 23.0, 40.2)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


async def _user(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    body = await register(client, "ada@example.com")
    return body["user"]["id"], bearer(body["access_token"])


async def _upload(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    data: bytes,
    name: str = "avatar.png",
    content_type: str = "image/png",
) -> httpx.Response:
    return await client.put(AVATAR, files={"file": (name, data, content_type)}, headers=auth)


@pytest.fixture(scope="module")
def pixel_bomb() -> bytes:
    """A real PNG whose header says 20000 x 20000 (400 MP); all zeros, so ~50 KB on disk."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) < 200_000
    return data


async def test_png_named_jpg_is_stored_by_its_content(client):
    user_id, auth = await _user(client)
    data = _png()
    response = await _upload(client, auth, data, name="x.jpg", content_type="image/jpeg")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"avatar_url"}
    url = body["avatar_url"]
    assert url.startswith("/api/v1/media/")
    assert url.endswith(".png")
    assert "x.jpg" not in url

    # Saved on the account and shown in /me.
    assert (await User.get(id=user_id)).avatar_url == url
    assert (await client.get("/api/v1/users/me", headers=auth)).json()["avatar_url"] == url

    # Served publicly with the sniffed type and nosniff.
    served = await client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"].split(";")[0] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "PNG"
    assert image.size == (32, 24)


async def test_new_avatar_replaces_the_old_one(client):
    user_id, auth = await _user(client)
    first = (await _upload(client, auth, _png())).json()["avatar_url"]
    second = (await _upload(client, auth, _png((10, 10)))).json()["avatar_url"]
    assert first != second
    assert (await User.get(id=user_id)).avatar_url == second
    assert (await client.get(second)).status_code == 200
    assert_error(await client.get(first), 404, "not_found")


async def test_webp_is_accepted(client):
    _, auth = await _user(client)
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(out, format="WEBP")
    response = await _upload(client, auth, out.getvalue(), "a.webp", "image/webp")
    assert response.status_code == 200, response.text
    url = response.json()["avatar_url"]
    assert url.endswith(".webp")
    assert (await client.get(url)).headers["content-type"].split(";")[0] == "image/webp"


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"<html><script>alert(1)</script></html>", "evil.png", "image/png"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "image/gif"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "doc.jpg", "image/jpeg"),
    ],
)
async def test_not_an_accepted_image_is_415(client, data, name, content_type):
    user_id, auth = await _user(client)
    response = await _upload(client, auth, data, name, content_type)
    assert_error(response, 415, "unsupported_media_type")
    assert (await User.get(id=user_id)).avatar_url is None


async def test_six_megabytes_is_413(client):
    user_id, auth = await _user(client)
    # A valid PNG padded past 5 MB: the size alone is the reason for the refusal.
    data = _png() + b"\0" * (6 * 1024 * 1024)
    response = await _upload(client, auth, data)
    assert_error(response, 413, "payload_too_large")
    assert (await User.get(id=user_id)).avatar_url is None


async def test_image_over_the_pixel_limit_is_422(client):
    user_id, auth = await _user(client)
    # 6400 x 6400 = 41 MP: a real PNG, small on the wire, too many pixels to decode.
    response = await _upload(client, auth, _png((6400, 6400), mode="1"))
    body = assert_error(response, 422, "validation_error")
    assert [item["field"].rpartition(".")[2] for item in body["errors"]] == ["file"]
    assert (await User.get(id=user_id)).avatar_url is None


async def test_image_content_error_names_body_file(client):
    _, auth = await _user(client)
    response = await _upload(client, auth, _png((6400, 6400), mode="1"))
    body = assert_error(response, 422, "validation_error")
    assert [item["field"] for item in body["errors"]] == ["body.file"]


async def test_pixel_bomb_is_422(client, pixel_bomb):
    user_id, auth = await _user(client)
    response = await asyncio.wait_for(_upload(client, auth, pixel_bomb), timeout=10)
    assert (await User.get(id=user_id)).avatar_url is None
    assert_error(response, 422, "validation_error")


async def test_pixel_bomb_is_refused_and_not_stored(client, pixel_bomb):
    """Whatever the status, the bomb must never be accepted (the service stays up)."""
    user_id, auth = await _user(client)
    response = await asyncio.wait_for(_upload(client, auth, pixel_bomb), timeout=10)
    assert response.status_code in (413, 415, 422), response.text
    assert response.json()["code"] in {
        "payload_too_large",
        "unsupported_media_type",
        "validation_error",
    }
    assert (await User.get(id=user_id)).avatar_url is None
    assert (await client.get("/api/v1/users/me", headers=auth)).status_code == 200


async def test_truncated_image_is_422(client):
    _, auth = await _user(client)
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (9, 9, 9)).save(out, format="JPEG")
    damaged = out.getvalue()[:200]
    response = await _upload(client, auth, damaged, "cut.jpg", "image/jpeg")
    assert_error(response, 422, "validation_error")


async def test_gps_exif_is_removed(client):
    _, auth = await _user(client)
    original = _jpeg_with_gps()
    sent: Any = Image.open(io.BytesIO(original)).getexif()
    assert sent.get(MAKE) == "SpyCam" and sent.get_ifd(GPS_IFD)  # the input really has them

    response = await _upload(client, auth, original, "holiday.jpg", "image/jpeg")
    assert response.status_code == 200, response.text
    url = response.json()["avatar_url"]
    assert url.endswith(".jpg")
    served = await client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"].split(";")[0] == "image/jpeg"
    stored = Image.open(io.BytesIO(served.content))
    exif = stored.getexif()
    assert MAKE not in exif
    assert GPS_IFD not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert b"SpyCam" not in served.content
    assert stored.size == (64, 48)


@pytest.mark.parametrize("field_name", [None, "avatar"])
async def test_missing_file_field_is_422(client, field_name):
    user_id, auth = await _user(client)
    if field_name is None:
        response = await client.put(AVATAR, data={"note": "no file"}, headers=auth)
    else:
        response = await client.put(
            AVATAR, files={field_name: ("a.png", _png(), "image/png")}, headers=auth
        )
    body = assert_error(response, 422, "validation_error")
    assert "body.file" in {item["field"] for item in body["errors"]}
    assert (await User.get(id=user_id)).avatar_url is None


async def test_empty_file_is_422(client):
    _, auth = await _user(client)
    assert_error(await _upload(client, auth, b""), 422, "validation_error")


async def test_avatar_needs_a_token(client):
    response = await client.put(AVATAR, files={"file": ("a.png", _png(), "image/png")})
    assert_error(response, 401, "unauthorized")


async def _raw_get(server: Any, target: str) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request with the path sent byte for byte (httpx would normalise '..')."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers, body


@pytest.mark.parametrize(
    "target",
    [
        "/api/v1/media/../../etc/passwd",
        "/api/v1/media/../../../../../../etc/passwd",
        "/api/v1/media/%2e%2e/%2e%2e/etc/passwd",
        "/api/v1/media/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/api/v1/media/avatars/../../outside.txt",
        "/api/v1/media/..%2foutside.txt",
        "/api/v1/media//etc/passwd",
        "/api/v1/media/%2fetc%2fpasswd",
    ],
)
async def test_media_path_traversal_is_404_json(client, server, target):
    # A file right next to the media root, readable if the root could be escaped.
    secret = server.settings.media_path.parent / "outside.txt"
    secret.write_text("top secret")
    status, headers, body = await _raw_get(server, target)
    assert status == 404, (status, body[:200])
    assert headers["content-type"].startswith("application/json")
    assert b"top secret" not in body
    assert b"root:" not in body
    payload = json.loads(body)
    assert payload["code"] == "not_found"


async def test_raw_request_reaches_a_stored_file(client, server):
    """Control for the traversal test: the raw request helper does fetch real files."""
    _, auth = await _user(client)
    url = (await _upload(client, auth, _png())).json()["avatar_url"]
    status, headers, body = await _raw_get(server, url)
    assert status == 200
    assert headers["content-type"].startswith("image/png")
    assert Image.open(io.BytesIO(body)).format == "PNG"


async def test_unknown_media_file_is_404_json(client):
    assert_error(await client.get("/api/v1/media/avatars/nothing.png"), 404, "not_found")
