"""POST /api/v1/media/file-upload/{type} (API.md "Media"): admin only, files identified by
content, all-or-nothing, and the stored files served back by GET /api/v1/media/{path}."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from sheda.users.models import User
from tests.support import assert_error, bearer, login, register

UPLOAD = "/api/v1/media/file-upload/"
GPS_IFD = 0x8825
MAKE = 0x010F
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
File = tuple[str, bytes, str]


def _png(size: tuple[int, int] = (32, 24), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 120 if mode in ("L", "1") else (20, 120, 220)).save(out, format="PNG")
    return out.getvalue()


def _image(fmt: str, size: tuple[int, int] = (16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(out, format=fmt)
    return out.getvalue()


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "SpyCam"
    exif[GPS_IFD] = {1: "N", 2: (6.0, 27.0, 15.5), 3: "E", 4: (3.0, 23.0, 40.2)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture(scope="module")
def pixel_bomb() -> bytes:
    """A real PNG whose header says 20000 x 20000 (400 MP); all zeros, so ~50 KB on disk."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) < 200_000
    return data


async def _admin(
    client: httpx.AsyncClient, email: str = "root@example.com"
) -> tuple[int, dict[str, str]]:
    body = await register(client, email)
    await User.filter(id=body["user"]["id"]).update(role="admin")
    tokens = await login(client, email)  # a token issued after promotion has the admin scope
    return body["user"]["id"], bearer(tokens["access_token"])


async def _upload(
    client: httpx.AsyncClient, kind: str, files: list[File], auth: dict[str, str] | None = None
) -> httpx.Response:
    parts = [("files", item) for item in files]
    return await client.post(UPLOAD + kind, files=parts, headers=auth or {})


def _stored(server: Any) -> set[Path]:
    root: Path = server.settings.media_path
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


# --- who may upload ---------------------------------------------------------------------


async def test_no_token_or_invalid_token_is_401(client, server):
    before = _stored(server)
    files = [("a.png", _png(), "image/png")]
    assert_error(await _upload(client, "profile", files), 401, "unauthorized")
    assert_error(await _upload(client, "profile", files, bearer("garbage")), 401, "unauthorized")
    assert _stored(server) == before


async def test_user_token_is_403(client, server):
    before = _stored(server)
    body = await register(client, "user@example.com")
    response = await _upload(
        client, "profile", [("a.png", _png(), "image/png")], bearer(body["access_token"])
    )
    assert_error(response, 403, "forbidden")
    assert _stored(server) == before


async def test_admin_role_with_a_token_from_before_the_promotion_is_403(client, server):
    before = _stored(server)
    body = await register(client, "late@example.com")
    await User.filter(id=body["user"]["id"]).update(role="admin")
    # Same session, old token: no admin scope in it.
    response = await _upload(
        client, "profile", [("a.png", _png(), "image/png")], bearer(body["access_token"])
    )
    assert_error(response, 403, "forbidden")
    assert _stored(server) == before


async def test_deactivated_admin_is_403(client, server):
    before = _stored(server)
    user_id, auth = await _admin(client)
    await User.filter(id=user_id).update(is_active=False)
    response = await _upload(client, "profile", [("a.png", _png(), "image/png")], auth)
    assert_error(response, 403, "forbidden")
    assert _stored(server) == before


async def test_active_admin_uploads_and_the_files_are_served(client, server):
    _, auth = await _admin(client)
    sent = [
        ("front.png", _png(), "image/png"),
        ("garden.jpg", _image("JPEG"), "image/jpeg"),
        ("pool.webp", _image("WEBP"), "image/webp"),
    ]
    response = await _upload(client, "property", sent, auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) == 3
    expected = [("png", "image/png"), ("jpg", "image/jpeg"), ("webp", "image/webp")]
    for item, (extension, content_type) in zip(body, expected, strict=True):
        assert set(item) == {"file_url", "content_type", "size"}
        assert item["file_url"].startswith("/api/v1/media/property/")
        assert item["file_url"].endswith("." + extension)
        assert item["content_type"] == content_type
        served = await client.get(item["file_url"])
        assert served.status_code == 200
        assert served.headers["content-type"].split(";")[0] == content_type
        assert served.headers["x-content-type-options"] == "nosniff"
        assert len(served.content) == item["size"]
        assert Image.open(io.BytesIO(served.content)).format == {
            "png": "PNG", "jpg": "JPEG", "webp": "WEBP"
        }[extension]
    assert len({item["file_url"] for item in body}) == 3
    root: Path = server.settings.media_path
    for item in body:
        assert (root / item["file_url"].removeprefix("/api/v1/media/")).is_file()


@pytest.mark.parametrize(("kind", "folder"), [("profile", "profile"), ("document", "documents")])
async def test_each_type_has_its_folder(client, kind, folder):
    _, auth = await _admin(client)
    response = await _upload(client, kind, [("a.png", _png(), "image/png")], auth)
    assert response.status_code == 201, response.text
    assert response.json()[0]["file_url"].startswith(f"/api/v1/media/{folder}/")


@pytest.mark.parametrize("kind", ["avatar", "documents", "PROFILE", "other"])
async def test_unknown_type_is_422_on_path_type(client, server, kind):
    before = _stored(server)
    _, auth = await _admin(client)
    response = await _upload(client, kind, [("a.png", _png(), "image/png")], auth)
    body = assert_error(response, 422, "validation_error")
    assert [item["field"] for item in body["errors"]] == ["path.type"]
    assert _stored(server) == before


# --- what may be uploaded ---------------------------------------------------------------


async def test_png_named_jpg_is_stored_by_its_content(client):
    _, auth = await _admin(client)
    response = await _upload(client, "profile", [("x.jpg", _png(), "image/jpeg")], auth)
    assert response.status_code == 201, response.text
    [item] = response.json()
    assert item["file_url"].endswith(".png")
    assert "x.jpg" not in item["file_url"]
    assert item["content_type"] == "image/png"
    served = await client.get(item["file_url"])
    assert served.headers["content-type"].split(";")[0] == "image/png"
    assert Image.open(io.BytesIO(served.content)).format == "PNG"


@pytest.mark.parametrize("kind", ["profile", "property", "document"])
async def test_html_named_png_is_415(client, server, kind):
    before = _stored(server)
    _, auth = await _admin(client)
    html = b"<html><script>alert(1)</script></html>"
    response = await _upload(client, kind, [("evil.png", html, "image/png")], auth)
    assert_error(response, 415, "unsupported_media_type")
    assert _stored(server) == before


async def test_six_megabyte_image_is_413(client, server):
    before = _stored(server)
    _, auth = await _admin(client)
    # A valid PNG padded past 5 MB: the size alone is the reason for the refusal.
    data = _png() + b"\0" * (6 * 1024 * 1024)
    response = await _upload(client, "profile", [("big.png", data, "image/png")], auth)
    assert_error(response, 413, "payload_too_large")
    assert _stored(server) == before


async def test_document_over_ten_megabytes_is_413(client, server):
    before = _stored(server)
    _, auth = await _admin(client)
    data = PDF[:-7] + b"\n" * (10 * 1024 * 1024) + b"%%EOF\n"
    response = await _upload(client, "document", [("big.pdf", data, "application/pdf")], auth)
    assert_error(response, 413, "payload_too_large")
    assert _stored(server) == before


async def test_pixel_bomb_is_422(client, server, pixel_bomb):
    before = _stored(server)
    _, auth = await _admin(client)
    response = await asyncio.wait_for(
        _upload(client, "property", [("bomb.png", pixel_bomb, "image/png")], auth), timeout=10
    )
    body = assert_error(response, 422, "validation_error")
    assert [item["field"] for item in body["errors"]] == ["body.files.0"]
    assert _stored(server) == before


async def test_an_image_too_large_to_decode_is_422_unread(client, server):
    """A 30 MP PNG is under the pixel limit but would decode to 120 MB: refused from its
    header (PNG cannot be decoded at a smaller scale)."""
    before = _stored(server)
    _, auth = await _admin(client)
    big = _png((6000, 5000), mode="L")  # one colour: a small file
    response = await _upload(client, "property", [("big.png", big, "image/png")], auth)
    body = assert_error(response, 422, "validation_error")
    assert "too large to decode" in body["errors"][0]["message"]
    assert _stored(server) == before


@pytest.mark.parametrize(
    ("size", "status"), [((4096, 4096), 201), ((4097, 4096), 422), ((8192, 2048), 201)]
)
async def test_a_png_is_decoded_up_to_the_largest_stored_size(client, size, status):
    """A PNG cannot be decoded at a smaller scale: one with more pixels than a 4096 x 4096
    image is refused from its header rather than decoded only to be shrunk."""
    _, auth = await _admin(client)
    data = _png(size, mode="L")
    response = await _upload(client, "property", [("wide.png", data, "image/png")], auth)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(("fmt", "size"), [("JPEG", (7000, 5000)), ("PNG", (5000, 3000))])
async def test_a_large_photo_is_stored_at_most_4096_on_its_long_side(client, fmt, size):
    """A 35 MP JPEG is decoded at half scale (draft), a 15 MP PNG in full and downscaled to
    4096; both keep their proportions."""
    _, auth = await _admin(client)
    data = _image(fmt, size)
    response = await _upload(client, "property", [("big.img", data, "image/png")], auth)
    assert response.status_code == 201, response.text
    [item] = response.json()
    served = await client.get(item["file_url"])
    assert served.status_code == 200
    stored = Image.open(io.BytesIO(served.content))
    # 4096 for the PNG; the JPEG is decoded at 1/2 scale: 3500 x 2500
    assert max(stored.size) == (4096 if fmt == "PNG" else 3500)
    assert abs(stored.size[0] / stored.size[1] - size[0] / size[1]) < 0.01


async def test_pdf_document_is_stored_unchanged(client):
    _, auth = await _admin(client)
    # Named and typed as an image: the content decides.
    response = await _upload(client, "document", [("lease.png", PDF, "image/png")], auth)
    assert response.status_code == 201, response.text
    [item] = response.json()
    assert item["file_url"].startswith("/api/v1/media/documents/")
    assert item["file_url"].endswith(".pdf")
    assert item["content_type"] == "application/pdf"
    assert item["size"] == len(PDF)
    served = await client.get(item["file_url"])
    assert served.status_code == 200
    assert served.headers["content-type"].split(";")[0] == "application/pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == PDF


@pytest.mark.parametrize("kind", ["profile", "property"])
async def test_pdf_is_415_for_images_only_types(client, server, kind):
    before = _stored(server)
    _, auth = await _admin(client)
    response = await _upload(client, kind, [("lease.pdf", PDF, "application/pdf")], auth)
    assert_error(response, 415, "unsupported_media_type")
    assert _stored(server) == before


@pytest.mark.parametrize(
    "data",
    [
        b"Just some text, saved with a .pdf name.\n",
        PDF.replace(b"%%EOF", b"%%END"),  # header without the end-of-file marker
        b"\n" + PDF,  # the header must open the file
    ],
    ids=["text", "no-eof", "header-not-first"],
)
async def test_fake_pdf_is_415(client, server, data):
    before = _stored(server)
    _, auth = await _admin(client)
    response = await _upload(client, "document", [("lease.pdf", data, "application/pdf")], auth)
    assert_error(response, 415, "unsupported_media_type")
    assert _stored(server) == before


async def test_gps_exif_is_removed(client):
    _, auth = await _admin(client)
    original = _jpeg_with_gps()
    sent: Any = Image.open(io.BytesIO(original)).getexif()
    assert sent.get(MAKE) == "SpyCam" and sent.get_ifd(GPS_IFD)  # the input really has them

    response = await _upload(client, "property", [("holiday.jpg", original, "image/jpeg")], auth)
    assert response.status_code == 201, response.text
    [item] = response.json()
    assert item["file_url"].endswith(".jpg")
    served = await client.get(item["file_url"])
    assert served.status_code == 200
    assert served.headers["content-type"].split(";")[0] == "image/jpeg"
    assert len(served.content) == item["size"]
    stored = Image.open(io.BytesIO(served.content))
    exif = stored.getexif()
    assert MAKE not in exif
    assert GPS_IFD not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert b"SpyCam" not in served.content
    assert stored.size == (64, 48)


# --- how many, and all-or-nothing -------------------------------------------------------


async def test_ten_files_are_accepted(client):
    _, auth = await _admin(client)
    files = [(f"{i}.png", _png((8 + i, 8)), "image/png") for i in range(10)]
    response = await _upload(client, "property", files, auth)
    assert response.status_code == 201, response.text
    assert len(response.json()) == 10


async def test_eleven_files_are_422(client, server):
    before = _stored(server)
    _, auth = await _admin(client)
    files = [(f"{i}.png", _png(), "image/png") for i in range(11)]
    body = assert_error(await _upload(client, "property", files, auth), 422, "validation_error")
    assert [item["field"] for item in body["errors"]] == ["body.files"]
    assert _stored(server) == before


async def test_no_files_is_422(client, server):
    before = _stored(server)
    _, auth = await _admin(client)
    response = await client.post(UPLOAD + "property", data={"note": "no file"}, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert "body.files" in {item["field"] for item in body["errors"]}
    # The wrong part name is not taken for the right one.
    response = await client.post(
        UPLOAD + "property", files={"file": ("a.png", _png(), "image/png")}, headers=auth
    )
    body = assert_error(response, 422, "validation_error")
    assert "body.files" in {item["field"] for item in body["errors"]}
    assert _stored(server) == before


async def test_text_part_named_files_is_not_a_file(client, server):
    before = _stored(server)
    _, auth = await _admin(client)
    response = await client.post(
        UPLOAD + "document",
        data={"files": PDF.decode()},
        files={"files": ("a.png", _png(), "image/png")},
        headers=auth,
    )
    assert_error(response, 422, "validation_error")
    assert _stored(server) == before


@pytest.mark.parametrize(
    ("bad", "status", "code"),
    [
        (("evil.png", b"<html></html>", "image/png"), 415, "unsupported_media_type"),
        (("big.png", _png() + b"\0" * (11 * 1024 * 1024), "image/png"), 413, "payload_too_large"),
        (("cut.png", _png()[:60], "image/png"), 422, "validation_error"),
    ],
    ids=["html", "too-large", "truncated"],
)
async def test_one_bad_file_and_nothing_is_stored(client, server, bad, status, code):
    _, auth = await _admin(client)
    before = _stored(server)
    good = [
        ("a.png", _png(), "image/png"),
        ("lease.pdf", PDF, "application/pdf"),
        ("b.jpg", _image("JPEG"), "image/jpeg"),
    ]
    response = await _upload(client, "document", [*good[:2], bad, good[2]], auth)
    body = assert_error(response, status, code)
    if status == 422:
        assert [item["field"] for item in body["errors"]] == ["body.files.2"]
    else:
        assert "File 3" in body["detail"]
    assert _stored(server) == before
    # The same batch without the bad file goes through.
    assert (await _upload(client, "document", good, auth)).status_code == 201
    assert len(_stored(server)) == len(before) + 3
