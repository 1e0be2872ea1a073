"""Mail: SMTP through aiosmtplib in production, files in the outbox (and the log) otherwise.

Sending happens in a background task so that a slow or failing mail server never delays
a request, and so ``otp/send`` takes the same time whether or not the account exists.
Each mail is stored (``outgoing_mail``) before its first attempt; one that fails is tried
again by the background loop with a growing delay (30 s, 1 min, 2 min … at most an hour
apart), ``MAX_ATTEMPTS`` times in all, then given up with an error in the log. A mail
server that is down, or a restart in between, loses nothing. An attempt holds its row for
``CLAIM`` (a conditional UPDATE), so two processes never send the same mail at once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

import aiosmtplib

from sheda.common.clock import utcnow
from sheda.config import Settings
from sheda.mail.models import OutgoingMail

logger = logging.getLogger("sheda.mail")


class Transport(Protocol):
    async def deliver(self, message: EmailMessage) -> None: ...


class OutboxTransport:
    """Embedded default: one ``.eml`` file per mail under the outbox directory."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def _write(self, message: EmailMessage) -> Path:
        self._directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        path = self._directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
        return path

    async def deliver(self, message: EmailMessage) -> None:
        path = await asyncio.to_thread(self._write, message)
        logger.info("mail to %s (%s) written to %s", message["To"], message["Subject"], path)


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def deliver(self, message: EmailMessage) -> None:
        s = self._settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password,
            use_tls=s.smtp_tls == "ssl",
            start_tls=s.smtp_tls == "starttls",
            timeout=20,
        )
        logger.info("mail to %s (%s) sent", message["To"], message["Subject"])


MAX_ATTEMPTS = 8  # 30 s + 1 + 2 + 4 + 8 + 16 + 32 min: about an hour of trying
CLAIM = timedelta(seconds=120)  # longer than an SMTP attempt (its timeout is 20 s)


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failure."""
    delay: timedelta = timedelta(seconds=30) * 2 ** (attempts - 1)
    return min(delay, timedelta(hours=1))


class Mailer:
    def __init__(self, transport: Transport, sender: str) -> None:
        self._transport = transport
        self._sender = sender
        self._domain = parseaddr(sender)[1].rpartition("@")[2] or "sheda.local"
        self._pending: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        transport: Transport
        if settings.smtp_host:
            transport = SmtpTransport(settings)
        else:
            transport = OutboxTransport(settings.outbox_path)
        return cls(transport, settings.mail_from)

    def send_later(self, *, to: str, subject: str, text: str) -> None:
        task = asyncio.get_running_loop().create_task(self._store_and_send(to, subject, text))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _store_and_send(self, to: str, subject: str, text: str) -> None:
        try:
            row = await OutgoingMail.create(
                to=to, subject=subject, body=text, next_attempt_at=utcnow() + CLAIM
            )
        except Exception:
            logger.exception("could not store mail to %s (%s)", to, subject)
            return
        await self._attempt(row)

    def _message(self, row: OutgoingMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = row.to
        message["Subject"] = row.subject
        # The same Message-ID on every attempt: when an answer is lost after the server took
        # the mail, the retry is a duplicate a mail system can recognise and drop.
        stamp = row.created_at.strftime("%Y%m%d%H%M%S%f")
        message["Message-ID"] = f"<sheda.{row.id}.{stamp}@{self._domain}>"
        message.set_content(row.body)
        return message

    async def _attempt(self, row: OutgoingMail) -> bool:
        attempts = row.attempts + 1
        try:
            await self._transport.deliver(self._message(row))
        except Exception as exc:
            now, error = utcnow(), f"{type(exc).__name__}: {exc}"[:500]
            if attempts >= MAX_ATTEMPTS:
                await OutgoingMail.filter(id=row.id).update(
                    attempts=attempts, failed_at=now, last_error=error
                )
                logger.error("gave up mail %s to %s (%s) after %d attempts: %s",
                             row.id, row.to, row.subject, attempts, error)
            else:
                delay = retry_delay(attempts)
                await OutgoingMail.filter(id=row.id).update(
                    attempts=attempts, next_attempt_at=now + delay, last_error=error
                )
                logger.warning("could not send mail %s to %s (%s), attempt %d: %s; next in %d s",
                               row.id, row.to, row.subject, attempts, error,
                               delay.total_seconds())
            return False
        await OutgoingMail.filter(id=row.id).update(attempts=attempts, sent_at=utcnow())
        return True

    async def retry_due(self, now: datetime) -> int:
        """The background loop's job: every mail whose next attempt is due, each claimed
        first. Returns how many were sent."""
        due = await OutgoingMail.filter(
            sent_at=None, failed_at=None, next_attempt_at__lte=now
        ).order_by("next_attempt_at").limit(100)
        sent = 0
        for row in due:
            claimed = await OutgoingMail.filter(
                id=row.id, sent_at=None, failed_at=None, next_attempt_at__lte=now
            ).update(next_attempt_at=now + CLAIM)
            if claimed and await self._attempt(row):
                sent += 1
        return sent

    async def drain(self, *, within: float = 10.0) -> None:
        """Wait (up to ``within`` seconds) for mails still being sent; called on shutdown.
        One not sent by then stays stored and is retried after the restart."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=within)


async def backlog(now: datetime) -> tuple[int, float]:
    """(mails not sent yet and not given up, age in seconds of the oldest)."""
    waiting = OutgoingMail.filter(sent_at=None, failed_at=None)
    count = await waiting.count()
    oldest = await waiting.order_by("created_at").first()
    age = (now - oldest.created_at).total_seconds() if oldest is not None else 0.0
    return count, age
