"""Mail: SMTP through aiosmtplib in production, files in the outbox (and the log) otherwise.

Sending happens in a background task so that a slow or failing mail server never delays
a request, and so ``otp/send`` takes the same time whether or not the account exists."""

from __future__ import annotations

import asyncio
import logging
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

import aiosmtplib

from sheda.common.clock import utcnow
from sheda.config import Settings

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


class Mailer:
    def __init__(self, transport: Transport, sender: str) -> None:
        self._transport = transport
        self._sender = sender
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
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="sheda.local")
        message.set_content(text)
        task = asyncio.get_running_loop().create_task(self._deliver(message))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, message: EmailMessage) -> None:
        try:
            await self._transport.deliver(message)
        except Exception:
            logger.exception("could not deliver mail to %s (%s)", message["To"], message["Subject"])

    async def drain(self, *, within: float = 10.0) -> None:
        """Wait (up to ``within`` seconds) for mails still being sent; called on shutdown."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=within)
