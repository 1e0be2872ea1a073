"""Mail is never lost (sheda/mail/service.py): every mail is stored before its first
attempt; when the mail server refuses or is down it stays stored, the background loop's
``retry_mail`` job sends it once its next attempt is due (30 s, then doubling), a new
process (a restart) picks it up the same way, and one that keeps failing is given up after
MAX_ATTEMPTS with an error in the log. The backlog is logged while it is not empty.

The mail server here is a real SMTP server on loopback that the test switches between
refusing (451, "try again later") and accepting."""

from __future__ import annotations

import email
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from sheda.common.clock import utcnow
from sheda.jobs import tasks
from sheda.mail import service as mail
from sheda.mail.models import OutgoingMail
from tests.operations.metrics_text import scrape, value
from tests.support import LiveServer, free_port, register


class SwitchableMailbox:
    def __init__(self) -> None:
        self.refusing = True
        self.keeps_refused = False  # takes the mail, then answers as if it had not
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusing:
            if self.keeps_refused:
                self.messages.append(email.message_from_bytes(envelope.content))
            return "451 4.3.0 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def switchable() -> Any:
    box = SwitchableMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def settings_overrides(switchable: Any) -> dict[str, Any]:
    return {"smtp_host": "127.0.0.1", "smtp_port": switchable[1], "smtp_tls": "none"}


@pytest.fixture(autouse=True)
def refusing(switchable: Any) -> None:
    switchable[0].refusing = True
    switchable[0].keeps_refused = False
    switchable[0].messages.clear()


async def _stored(address: str) -> OutgoingMail:
    rows = await OutgoingMail.filter(to=address)
    assert len(rows) == 1, rows
    return rows[0]


async def test_a_refused_mail_is_kept_and_sent_when_its_retry_is_due(
    client, server: LiveServer, switchable: Any, caplog
) -> None:
    box = switchable[0]
    await register(client, "ada@example.com")  # mails a verification code
    await server.app.ctx.runtime.mailer.drain()
    row = await _stored("ada@example.com")
    assert row.sent_at is None and row.attempts == 1 and "451" in (row.last_error or "")
    assert timedelta(seconds=25) < row.next_attempt_at - utcnow() <= timedelta(seconds=30)
    assert box.messages == []

    rt = server.app.ctx.runtime
    assert await tasks.retry_mail(rt, utcnow()) == 0  # not due yet: nothing is tried
    assert (await _stored("ada@example.com")).attempts == 1
    assert "mail backlog: 1 not sent yet" in caplog.text
    assert value(await scrape(client), "sheda_mail_backlog") == 1  # what an operator sees

    box.refusing = False
    assert await tasks.retry_mail(rt, utcnow() + timedelta(seconds=31)) == 1
    sent = await _stored("ada@example.com")
    assert sent.sent_at is not None and sent.attempts == 2
    [message] = box.messages
    assert message["To"] == "ada@example.com" and "code" in message["Subject"].lower()
    assert await mail.backlog(utcnow()) == (0, 0.0)
    assert await tasks.retry_mail(rt, utcnow() + timedelta(hours=1)) == 0  # sent once
    assert value(await scrape(client), "sheda_mail_backlog") == 0


async def test_a_restarted_process_sends_what_the_last_one_could_not(
    client, server: LiveServer, switchable: Any
) -> None:
    await register(client, "bob@example.com")
    await server.app.ctx.runtime.mailer.drain()
    assert (await _stored("bob@example.com")).sent_at is None
    # a new process: a mailer of its own, nothing in memory, only the table
    fresh = mail.Mailer.from_settings(server.settings)
    switchable[0].refusing = False
    assert await fresh.retry_due(utcnow() + timedelta(minutes=1)) == 1
    assert [m["To"] for m in switchable[0].messages] == ["bob@example.com"]


async def test_a_retry_carries_the_message_id_of_the_first_attempt(
    client, server: LiveServer, switchable: Any
) -> None:
    """An answer lost after the server took the mail makes the retry a duplicate: with the
    same Message-ID, which receiving systems use to drop it."""
    box = switchable[0]
    box.keeps_refused = True
    await register(client, "dan@example.com")
    mailer = server.app.ctx.runtime.mailer
    await mailer.drain()
    box.refusing = False
    assert await mailer.retry_due(utcnow() + timedelta(minutes=1)) == 1
    first, retry = box.messages
    assert first["Message-ID"] == retry["Message-ID"]
    assert first["Message-ID"].startswith("<") and first["Message-ID"].endswith(">")
    await register(client, "eve@example.com")
    await mailer.drain()
    assert box.messages[-1]["Message-ID"] != first["Message-ID"]  # one per mail


async def test_a_mail_that_keeps_failing_is_given_up(
    client, server: LiveServer, caplog
) -> None:
    await register(client, "carol@example.com")
    mailer = server.app.ctx.runtime.mailer
    await mailer.drain()
    now = utcnow()
    for _ in range(mail.MAX_ATTEMPTS + 2):
        now += timedelta(hours=2)  # past any delay
        await mailer.retry_due(now)
    row = await _stored("carol@example.com")
    assert row.attempts == mail.MAX_ATTEMPTS and row.failed_at is not None
    assert f"after {mail.MAX_ATTEMPTS} attempts" in caplog.text
    assert await mail.backlog(now) == (0, 0.0)  # given up: not waiting any more


def test_the_delays_grow_and_are_capped() -> None:
    delays = [mail.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays == sorted(delays) and max(delays) == 3600
