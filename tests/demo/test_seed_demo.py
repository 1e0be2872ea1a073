"""``sheda seed-demo`` run for real, in a subprocess, against the test database (SQLite file
or PostgreSQL), then checked through the live server's HTTP API, as a frontend would."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sys
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from sheda.chat.models import Conversation, Message
from sheda.demo import vocab
from sheda.demo.chats import CONVERSATIONS, MAX_MESSAGES, MIN_MESSAGES
from sheda.demo.plan import make_plan
from sheda.inquiries.models import Inquiry, InquiryNote
from sheda.notifications.models import Notification
from sheda.properties.models import (
    Favorite,
    ListingType,
    Property,
    PropertyImage,
    PropertyType,
)
from sheda.users.models import AgentProfile, PaymentAccount, User
from tests.support import bearer, login, register

ROOT = Path(__file__).resolve().parents[2]
LISTINGS = 40
DEMO = "@" + vocab.DOMAIN


async def sheda(settings: Any, *args: str, database_url: str | None = None) -> tuple[int, str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHEDA_")}
    env.update(
        SHEDA_ENV="test",
        SHEDA_DATABASE_URL=database_url or settings.database_url,
        SHEDA_DATA_DIR=str(settings.data_dir),
        SHEDA_SECRET_KEY="cli-test-secret-" + "k" * 32,
        SHEDA_BCRYPT_ROUNDS="4",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sheda.cli", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def credentials(out: str) -> tuple[str, str]:
    admin = re.search(r"^\s*admin:\s+(\S+)$", out, re.MULTILINE)
    password = re.search(r"^\s*password:\s+(\S+)$", out, re.MULTILINE)
    assert admin and password, out
    return admin.group(1), password.group(1)


async def counts() -> dict[str, int]:
    return {
        "accounts": await User.filter(email__endswith=DEMO).count(),
        "agent_profiles": await AgentProfile.all().count(),
        "payment_accounts": await PaymentAccount.all().count(),
        "listings": await Property.all().count(),
        "photos": await PropertyImage.all().count(),
        "amenities": sum(
            len(names) for names in await Property.all().values_list("amenities", flat=True)
        ),
        "favourites": await Favorite.all().count(),
        "inquiries": await Inquiry.all().count(),
        "notes": await InquiryNote.all().count(),
        "notifications": await Notification.all().count(),
        "conversations": await Conversation.all().count(),
        "messages": await Message.all().count(),
    }


async def all_pages(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/properties", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def assert_jpeg(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"].startswith("image/jpeg")
    assert response.content[:3] == b"\xff\xd8\xff"
    with Image.open(io.BytesIO(response.content)) as image:
        assert (image.format, image.size) == ("JPEG", (640, 480))


async def assert_chats(
    client: httpx.AsyncClient, me: dict[str, Any], count: int, *, waiting: bool
) -> None:
    """The user's conversations, as a frontend reads them: each with seqs 1..n in time
    order, and an unread count that matches the messages' read state."""
    headers = bearer(me["access_token"])
    my_id = me["user"]["id"]
    response = await client.get("/api/v1/chat/conversations", params={"limit": 100},
                                headers=headers)
    assert response.status_code == 200, response.text
    conversations = response.json()["items"]
    assert len(conversations) == count
    assert [c["last_message"]["created_at"] for c in conversations] == sorted(
        (c["last_message"]["created_at"] for c in conversations), reverse=True
    )
    unread_total = 0
    for conversation in conversations:
        other = conversation["other_user"]
        assert other["username"].startswith("demo.") and other["fullname"]
        last_seq = conversation["last_seq"]
        assert MIN_MESSAGES <= last_seq <= MAX_MESSAGES
        response = await client.get(f"/api/v1/chat/chat-history/{other['id']}",
                                    params={"after_seq": 0, "limit": 200}, headers=headers)
        assert response.status_code == 200, response.text
        history = response.json()
        assert [m["seq"] for m in history] == list(range(1, last_seq + 1))
        assert {m["conversation_id"] for m in history} == {conversation["conversation_id"]}
        assert [m["created_at"] for m in history] == sorted(m["created_at"] for m in history)
        assert all({m["sender_id"], m["receiver_id"]} == {my_id, other["id"]} for m in history)
        assert all(m["client_id"] is None and m["message"] for m in history)
        assert conversation["last_message"] == history[-1]
        newest = await client.get(f"/api/v1/chat/chat-history/{other['id']}",
                                  params={"limit": 3}, headers=headers)
        assert [m["seq"] for m in newest.json()] == [last_seq, last_seq - 1, last_seq - 2]
        # Unread: exactly the tail the other member wrote after my horizon.
        unread = conversation["unread_count"]
        horizon = last_seq - unread
        for m in history:
            if m["receiver_id"] == my_id:
                assert (m["read_at"] is None) == (m["seq"] > horizon), m
            else:
                assert m["seq"] <= horizon, m  # I have read up to what I sent
        unread_total += unread
        listings = [m["property_id"] for m in history if m["property_id"]]
        if conversation["property"] is None:
            assert not listings
        else:
            assert listings == [conversation["property"]["id"]]
            assert conversation["property"]["title"]
    if waiting:
        assert unread_total > 0  # each agent has a client waiting for an answer
    counts = await client.get("/api/v1/chat/unread-count", headers=headers)
    assert counts.json() == {
        "total_unread": unread_total,
        "conversations_with_unread": sum(1 for c in conversations if c["unread_count"]),
    }


def test_the_plan_is_repeatable_and_covers_every_kind() -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    first = make_plan(listings=12, seed=7, now=now)
    assert first == make_plan(listings=12, seed=7, now=now)
    assert first.listings != make_plan(listings=12, seed=8, now=now).listings
    assert {item.property_type for item in first.listings} == set(PropertyType)
    assert {item.listing_type for item in first.listings} == set(ListingType)
    for item in first.listings:
        assert item.price > 0 and item.price == item.price.quantize(Decimal("0.01"))
        assert set(item.amenities) <= set(vocab.AMENITIES)
        assert 1 <= len(item.photos) <= vocab.PHOTO_VARIANTS
    assert [item.created_at for item in first.listings] == sorted(
        item.created_at for item in first.listings
    )


def test_the_planned_chats_are_consistent() -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    plan = make_plan(listings=LISTINGS, seed=42, now=now)
    assert len(plan.chats) == CONVERSATIONS
    assert len({(chat.client, chat.agent) for chat in plan.chats}) == CONVERSATIONS
    assert {chat.agent for chat in plan.chats} == set(range(len(plan.agents)))
    about = [chat for chat in plan.chats if chat.listing is not None]
    assert 0 < len(about) < CONVERSATIONS
    for chat in plan.chats:
        lines = chat.lines
        assert MIN_MESSAGES <= len(lines) <= MAX_MESSAGES
        times = [line.created_at for line in lines]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert now - timedelta(days=14) < times[0] and times[-1] < now
        assert all(line.text and "{" not in line.text for line in lines)
        if chat.listing is not None:
            assert plan.listings[chat.listing].agent == chat.agent
            assert plan.listings[chat.listing].is_active
            assert lines[0].about_listing and lines[0].from_client
        else:
            assert not any(line.about_listing for line in lines)
        # A sender has read up to its own message; read_at marks what the horizon covers.
        for seq, line in enumerate(lines, start=1):
            mine = chat.client_read if line.from_client else chat.agent_read
            theirs = chat.agent_read if line.from_client else chat.client_read
            assert mine >= seq
            assert (line.read_at is not None) == (theirs >= seq)
            if line.read_at is not None:
                assert line.created_at <= line.read_at <= now
        assert 0 < min(chat.client_read, chat.agent_read) <= len(lines)
    unread = [chat for chat in plan.chats if chat.agent_read < len(chat.lines)]
    assert {chat.agent for chat in unread} == set(range(len(plan.agents)))
    assert all(chat.lines[-1].from_client for chat in unread)


async def test_seed_demo_fills_a_browsable_server(client, settings):
    code, out, err = await sheda(settings, "seed-demo", "--listings", str(LISTINGS))
    assert code == 0, err
    assert await Property.all().count() == LISTINGS
    assert await User.filter(email__endswith=DEMO, user_type="agent").count() == 5
    assert await User.filter(email__endswith=DEMO, user_type="client", role="user").count() == 10
    assert await AgentProfile.exclude(agency_name=None).count() == 5
    assert await PaymentAccount.all().count() == 5
    assert await Favorite.all().count() > 0
    assert await InquiryNote.all().count() > 0
    assert set(await Inquiry.all().values_list("status", flat=True)) == {
        "new", "contacted", "qualified", "converted", "lost"
    }

    # The public list: every visible listing, with its photos and amenities.
    listed = await all_pages(client)
    visible = await Property.filter(is_active=True, status="available").count()
    assert len(listed) == visible > LISTINGS // 2
    assert {item["city"] for item in listed} <= {place.city for place in vocab.PLACES}
    for item in listed:
        assert item["price"] > 0 and round(item["price"], 2) == item["price"]
        assert set(item["amenities"]) <= set(vocab.AMENITIES)
        assert 1 <= len(item["images"]) <= 4
        assert [image["position"] for image in item["images"]] == list(range(len(item["images"])))
        assert [image["is_primary"] for image in item["images"]] == [True] + [False] * (
            len(item["images"]) - 1
        )
    sample = listed[0]
    for image in sample["images"]:
        await assert_jpeg(client, image["url"])

    # Filters a frontend uses find the seeded listings.
    in_city = await all_pages(client, city=sample["city"].upper())
    assert sample["id"] in {item["id"] for item in in_city}
    assert {item["city"] for item in in_city} == {sample["city"]}
    word = sample["address"].split(",")[-1].strip().lower()
    found = await all_pages(client, q=word)
    assert sample["id"] in {item["id"] for item in found}
    for item in found:
        assert word in f"{item['title']} {item['description']} {item['address']}".lower()
    if sample["amenities"]:
        wanted = sample["amenities"][:2]
        with_amenities = await all_pages(client, amenities=",".join(wanted))
        assert sample["id"] in {item["id"] for item in with_amenities}
        assert all(set(wanted) <= set(item["amenities"]) for item in with_amenities)
    detail = (await client.get(f"/api/v1/properties/{sample['id']}")).json()
    assert detail["agent"]["agent_profile"]["agency_name"]

    # The printed admin signs in and uses an admin route.
    admin_email, password = credentials(out)
    assert admin_email == f"admin{DEMO}"
    admin = await login(client, admin_email, password)
    assert admin["user"]["role"] == "admin"
    response = await client.get(
        "/api/v1/admin/users", params={"q": vocab.DOMAIN, "limit": 100},
        headers=bearer(admin["access_token"]),
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 16
    leads = await client.get(
        "/api/v1/inquiries", params={"limit": 100}, headers=bearer(admin["access_token"])
    )
    assert leads.status_code == 200, leads.text
    assert len(leads.json()["items"]) == await Inquiry.all().count() > 0

    # Agents and clients share the password and have something to look at.
    agent = await login(client, f"agent1{DEMO}", password)
    account = await client.get(
        "/api/v1/users/me/payment-account", headers=bearer(agent["access_token"])
    )
    assert account.status_code == 200, account.text
    assert account.json()["bank_name"] in vocab.BANKS
    shopper = await login(client, f"client1{DEMO}", password)
    favourites = await client.get(
        "/api/v1/users/me/favorites", headers=bearer(shopper["access_token"])
    )
    assert favourites.status_code == 200, favourites.text
    assert favourites.json()["items"]
    assert f"{CONVERSATIONS} chats between clients and agents" in out
    assert await Conversation.all().count() == CONVERSATIONS
    await assert_chats(client, agent, CONVERSATIONS // 5, waiting=True)
    await assert_chats(client, await login(client, f"agent2{DEMO}", password),
                       CONVERSATIONS // 5, waiting=True)
    # The client side of the same chats: the busiest client.
    chats = make_plan(listings=LISTINGS, seed=42, now=datetime.now(UTC)).chats
    busiest = max(range(10), key=lambda n: sum(chat.client == n for chat in chats))
    await assert_chats(client, await login(client, f"client{busiest + 1}{DEMO}", password),
                       sum(chat.client == busiest for chat in chats), waiting=False)


async def test_a_second_run_refuses_and_reset_replaces_only_demo_rows(client, settings):
    outsider = await register(client, "someone.real@example.com")
    code, _, err = await sheda(settings, "seed-demo", "--listings", str(LISTINGS))
    assert code == 0, err
    before = await counts()
    old_photo = (await PropertyImage.all().order_by("id").first()).url

    code, out, err = await sheda(settings, "seed-demo", "--listings", str(LISTINGS))
    assert code != 0
    assert out == ""
    message = err.strip()
    assert len(message.splitlines()) == 1, err
    assert "already exists" in message and "--reset" in message
    assert "traceback" not in message.lower()
    assert await counts() == before

    code, out, err = await sheda(settings, "seed-demo", "--listings", str(LISTINGS), "--reset")
    assert code == 0, err
    assert "removed the previous demo data (16 accounts)" in out
    assert await counts() == before
    assert await User.filter(id=outsider["user"]["id"]).exists()
    await login(client, "someone.real@example.com")
    assert (await client.get(old_photo)).status_code == 404
    new_photo = (await PropertyImage.all().order_by("id").first()).url
    await assert_jpeg(client, new_photo)
    _, password = credentials(out)
    await login(client, f"admin{DEMO}", password)


@pytest.mark.postgres
async def test_an_unmigrated_postgres_database_is_refused(settings):
    import asyncpg

    base = settings.database_url.replace("postgres://", "postgresql://", 1).rpartition("/")[0]
    name = f"sheda_demo_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(f"{base}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        code, out, err = await sheda(settings, "seed-demo", database_url=f"{base}/{name}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    assert code != 0
    assert out == ""
    assert err.strip() == "sheda: the database has no Sheda tables yet; run `sheda migrate` first"
