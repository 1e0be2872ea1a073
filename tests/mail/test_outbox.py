"""Embedded mode: without SMTP every mail is one .eml file in the outbox directory."""

from __future__ import annotations

import asyncio
import email
import re
from pathlib import Path
from typing import Any

import pytest

from sheda.config import Settings
from tests.support import register


@pytest.fixture(scope="module")
def settings_overrides(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {"smtp_host": None, "outbox_dir": tmp_path_factory.mktemp("outbox")}


@pytest.fixture(autouse=True)
def empty_outbox(settings: Settings) -> None:
    for old in settings.outbox_path.glob("*.eml"):
        old.unlink()


async def _wait_for_files(folder: Path, count: int) -> list[Path]:
    for _ in range(250):
        files = sorted(folder.glob("*.eml"))
        if len(files) >= count:
            return files
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} mail file(s) in {folder}")


async def test_verification_mail_is_written_to_the_outbox(client, settings: Settings, mailbox):
    await register(client, "outbox@example.com")
    outbox = settings.outbox_path
    (path,) = await _wait_for_files(outbox, 1)
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == "outbox@example.com"
    assert "verification" in message["Subject"].lower()
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert re.search(rb"\b\d{6}\b", body)
    assert mailbox.messages == []  # nothing went to the SMTP server


async def test_one_file_per_mail(client, settings: Settings):
    await register(client, "first@example.com")
    await register(client, "second@example.com")
    files = await _wait_for_files(settings.outbox_path, 2)
    recipients = {email.message_from_bytes(f.read_bytes())["To"] for f in files}
    assert recipients == {"first@example.com", "second@example.com"}
