"""Listing photos (API.md "Properties"): POST /{id}/images and DELETE /{id}/images/{image_id}.
Files are identified by content, re-encoded without metadata, at most 10 per request and 30
per listing; one bad file stores nothing; the first photo is primary."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from sheda.properties.models import PropertyImage
from tests.properties.helpers import (
    BASE,
    IMAGE_KEYS,
    Account,
    admin,
    agent,
    client_user,
    create_listing,
    file_of,
    hide,
    media_files,
    png,
)
from tests.support import assert_error

GPS_IFD = 0x8825
MAKE = 0x010F
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
Part = tuple[str, bytes, str]


def _image(fmt: str, size: tuple[int, int] = (20, 12)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
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
    """A real PNG whose header says 20000 x 20000 (400 MP) of 1-bit pixels: ~50 KB."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) < 200_000
    return data


@pytest.fixture
def root(server: Any) -> Path:
    media: Path = server.settings.media_path
    return media


def _parts(count: int, name: str = "p{}.png") -> list[Part]:
    return [(name.format(n), png(color=(n * 8 % 256, 10, 10)), "image/png") for n in range(count)]


async def _upload(
    client: httpx.AsyncClient, property_id: int, parts: list[Part], who: Account | None
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{property_id}/images",
        files=[("files", part) for part in parts],
        headers=who.headers if who else {},
    )


async def _setup(client: httpx.AsyncClient) -> tuple[Account, dict[str, Any]]:
    owner = await agent(client, "ada@example.com")
    return owner, await create_listing(client, owner)


async def _nothing_stored(property_id: int, root: Path, before: set[Path], count: int = 0) -> None:
    assert await PropertyImage.filter(property_id=property_id).count() == count
    assert media_files(root) == before


# --- upload ---------------------------------------------------------------------------------


async def test_upload_stores_images_by_content_first_is_primary(client, root):
    owner, listing = await _setup(client)
    parts: list[Part] = [
        ("photo.jpg", png(), "image/jpeg"),  # a PNG that claims to be a JPEG
        ("b.jpg", _image("JPEG"), "image/jpeg"),
        ("c.bin", _image("WEBP"), "application/octet-stream"),
    ]
    response = await _upload(client, listing["id"], parts, owner)
    assert response.status_code == 201, response.text
    images = response.json()["images"]
    assert set(response.json()) == {"images"}
    assert [set(image) for image in images] == [IMAGE_KEYS] * 3
    assert [image["is_primary"] for image in images] == [True, False, False]
    positions = [image["position"] for image in images]
    assert positions == sorted(positions) and len(set(positions)) == 3
    assert len({image["url"] for image in images}) == 3
    for image, fmt, mime in zip(
        images, ["PNG", "JPEG", "WEBP"], ["image/png", "image/jpeg", "image/webp"], strict=True
    ):
        fetched = await client.get(image["url"])
        assert fetched.status_code == 200
        assert fetched.headers["content-type"].split(";")[0] == mime
        assert Image.open(io.BytesIO(fetched.content)).format == fmt
        assert file_of(root, image["url"]).is_file()
    rows = await PropertyImage.filter(property_id=listing["id"]).order_by("position")
    assert [row.id for row in rows] == [image["id"] for image in images]
    detail = (await client.get(f"{BASE}/{listing['id']}")).json()
    assert detail["images"] == images


async def test_later_uploads_continue_positions_and_are_not_primary(client):
    owner, listing = await _setup(client)
    first = (await _upload(client, listing["id"], _parts(2), owner)).json()["images"]
    response = await _upload(client, listing["id"], _parts(3), owner)
    assert response.status_code == 201, response.text
    second = response.json()["images"]
    assert [image["is_primary"] for image in second] == [False] * 3
    positions = [image["position"] for image in first + second]
    assert positions == sorted(positions) and len(set(positions)) == 5
    detail = (await client.get(f"{BASE}/{listing['id']}")).json()
    assert [image["id"] for image in detail["images"]] == [i["id"] for i in first + second]
    assert sum(image["is_primary"] for image in detail["images"]) == 1


async def test_html_named_png_is_415(client, root):
    owner, listing = await _setup(client)
    before = media_files(root)
    response = await _upload(client, listing["id"], [("x.png", HTML, "image/png")], owner)
    assert_error(response, 415, "unsupported_media_type")
    await _nothing_stored(listing["id"], root, before)


async def test_six_megabytes_is_413(client, root):
    owner, listing = await _setup(client)
    before = media_files(root)
    big = png() + b"\0" * (6 * 1024 * 1024)
    response = await _upload(client, listing["id"], [("big.png", big, "image/png")], owner)
    assert_error(response, 413, "payload_too_large")
    await _nothing_stored(listing["id"], root, before)


async def test_pixel_bomb_is_422(client, root, pixel_bomb):
    owner, listing = await _setup(client)
    before = media_files(root)
    response = await _upload(client, listing["id"], [("bomb.png", pixel_bomb, "image/png")], owner)
    assert_error(response, 422, "validation_error")
    await _nothing_stored(listing["id"], root, before)


async def test_exif_and_gps_are_stripped(client, root):
    owner, listing = await _setup(client)
    original = _jpeg_with_gps()
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()  # the input really has GPS
    response = await _upload(client, listing["id"], [("gps.jpg", original, "image/jpeg")], owner)
    assert response.status_code == 201, response.text
    url = response.json()["images"][0]["url"]
    fetched = await client.get(url)
    assert fetched.status_code == 200
    stored = Image.open(io.BytesIO(fetched.content))
    exif = stored.getexif()
    assert GPS_IFD not in exif and MAKE not in exif
    assert b"SpyCam" not in fetched.content
    assert stored.size == (64, 48)
    assert file_of(root, url).read_bytes() == fetched.content


async def test_file_count_limits(client, root):
    owner, listing = await _setup(client)
    before = media_files(root)
    response = await _upload(client, listing["id"], _parts(11), owner)
    assert_error(response, 422, "validation_error")
    await _nothing_stored(listing["id"], root, before)
    # no `files` part at all
    response = await client.post(
        f"{BASE}/{listing['id']}/images",
        files=[("photo", ("a.png", png(), "image/png"))],
        headers=owner.headers,
    )
    assert_error(response, 422, "validation_error")
    response = await _upload(client, listing["id"], _parts(10), owner)
    assert response.status_code == 201, response.text


async def test_thirty_images_at_most(client, root):
    owner, listing = await _setup(client)
    start = media_files(root)
    for _ in range(3):
        response = await _upload(client, listing["id"], _parts(10), owner)
        assert response.status_code == 201, response.text
    before = media_files(root)
    assert len(before - start) == 30
    response = await _upload(client, listing["id"], _parts(1), owner)
    assert_error(response, 409, "conflict")
    await _nothing_stored(listing["id"], root, before, count=30)


async def test_a_batch_that_would_pass_the_cap_stores_nothing(client, root):
    owner, listing = await _setup(client)
    for count in (10, 10, 5):
        assert (await _upload(client, listing["id"], _parts(count), owner)).status_code == 201
    before = media_files(root)
    response = await _upload(client, listing["id"], _parts(6), owner)
    assert_error(response, 409, "conflict")
    await _nothing_stored(listing["id"], root, before, count=25)
    assert (await _upload(client, listing["id"], _parts(5), owner)).status_code == 201
    assert await PropertyImage.filter(property_id=listing["id"]).count() == 30


@pytest.mark.parametrize(
    ("bad", "status", "code"),
    [
        (HTML, 415, "unsupported_media_type"),
        (png()[:60], 422, "validation_error"),  # truncated
        (b"", 422, "validation_error"),
        (png() + b"\0" * (6 * 1024 * 1024), 413, "payload_too_large"),
    ],
)
async def test_one_bad_file_among_good_ones_stores_nothing(client, root, bad, status, code):
    owner, listing = await _setup(client)
    assert (await _upload(client, listing["id"], _parts(1), owner)).status_code == 201
    before = media_files(root)
    parts = [*_parts(2), ("bad.png", bad, "image/png"), *_parts(2, "q{}.png")]
    response = await _upload(client, listing["id"], parts, owner)
    assert_error(response, status, code)
    await _nothing_stored(listing["id"], root, before, count=1)


async def test_only_the_owner_agent_may_upload(client, root):
    owner, listing = await _setup(client)
    other = await agent(client, "bola@example.com")
    buyer = await client_user(client, "buyer@example.com")
    before = media_files(root)
    assert_error(await _upload(client, listing["id"], _parts(1), other), 403, "forbidden")
    assert_error(await _upload(client, listing["id"], _parts(1), buyer), 403, "forbidden")
    assert_error(await _upload(client, listing["id"], _parts(1), None), 401, "unauthorized")
    assert_error(await _upload(client, 99999, _parts(1), owner), 404, "not_found")
    await _nothing_stored(listing["id"], root, before)


async def test_hidden_listing_images_are_404_for_others_but_owner_may_upload(client):
    owner, listing = await _setup(client)
    other = await agent(client, "bola@example.com")
    root_admin = await admin(client)
    await hide(client, root_admin, listing["id"])
    assert_error(await _upload(client, listing["id"], _parts(1), other), 404, "not_found")
    assert (await _upload(client, listing["id"], _parts(1), owner)).status_code == 201


# --- delete ---------------------------------------------------------------------------------


async def test_delete_primary_moves_primary_to_the_next_image(client, root):
    owner, listing = await _setup(client)
    images = (await _upload(client, listing["id"], _parts(3), owner)).json()["images"]
    first, second, third = images
    response = await client.delete(
        f"{BASE}/{listing['id']}/images/{first['id']}", headers=owner.headers
    )
    assert response.status_code == 204, response.text
    assert (await client.get(first["url"])).status_code == 404
    assert not file_of(root, first["url"]).exists()
    assert not await PropertyImage.filter(id=first["id"]).exists()
    detail = (await client.get(f"{BASE}/{listing['id']}")).json()
    assert [(i["id"], i["is_primary"]) for i in detail["images"]] == [
        (second["id"], True),
        (third["id"], False),
    ]
    # a non-primary one: the primary stays
    response = await client.delete(
        f"{BASE}/{listing['id']}/images/{third['id']}", headers=owner.headers
    )
    assert response.status_code == 204
    detail = (await client.get(f"{BASE}/{listing['id']}")).json()
    assert [(i["id"], i["is_primary"]) for i in detail["images"]] == [(second["id"], True)]
    assert (await client.get(second["url"])).status_code == 200
    # the last one, then a new upload starts primary again, after the old positions
    response = await client.delete(
        f"{BASE}/{listing['id']}/images/{second['id']}", headers=owner.headers
    )
    assert response.status_code == 204
    again = (await _upload(client, listing["id"], _parts(2), owner)).json()["images"]
    assert [image["is_primary"] for image in again] == [True, False]
    assert again[0]["position"] < again[1]["position"]


async def test_delete_image_refusals(client, root):
    owner, listing = await _setup(client)
    sibling = await create_listing(client, owner, title="Sibling listing")
    other = await agent(client, "bola@example.com")
    image = (await _upload(client, listing["id"], _parts(1), owner)).json()["images"][0]
    foreign = (await _upload(client, sibling["id"], _parts(1), owner)).json()["images"][0]
    url = f"{BASE}/{listing['id']}/images/{image['id']}"
    # the image of another listing, through this listing's path
    response = await client.delete(
        f"{BASE}/{listing['id']}/images/{foreign['id']}", headers=owner.headers
    )
    assert_error(response, 404, "not_found")
    assert_error(
        await client.delete(f"{BASE}/{listing['id']}/images/424242", headers=owner.headers),
        404,
        "not_found",
    )
    assert_error(await client.delete(url, headers=other.headers), 403, "forbidden")
    assert_error(await client.delete(url), 401, "unauthorized")
    assert await PropertyImage.filter(id__in=[image["id"], foreign["id"]]).count() == 2
    assert file_of(root, image["url"]).is_file() and file_of(root, foreign["url"]).is_file()
