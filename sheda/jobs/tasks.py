"""The jobs of the background loop. Each acts once per row however many loops run at the
same time: the state changes are conditional UPDATEs claimed row by row (the services'
own moves, so a job and a request cannot both win), the clean-ups are plain DELETEs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q, Subquery

from sheda import metrics
from sheda.appointments import service as appointments
from sheda.auth.models import AuthSession, OtpCode, RefreshToken, ResetGrant
from sheda.common.context import Runtime
from sheda.contracts import service as contracts
from sheda.jobs.models import JobRun
from sheda.mail import service as mail

logger = logging.getLogger("sheda.jobs")

JOB_RUNS_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Runtime, datetime], Awaitable[int]]  # returns the rows it changed


async def expire_contracts(rt: Runtime, now: datetime) -> int:
    """Active rentals past ``end_date``: expired, listing available, both parties told."""
    return await contracts.expire_due(rt=rt, now=now)


async def cancel_unpaid_contracts(rt: Runtime, now: datetime) -> int:
    """Contracts awaiting payment for longer than SHEDA_PAYMENT_WINDOW: canceled, listing
    available again, both told."""
    window = timedelta(seconds=rt.settings.payment_window)
    return await contracts.cancel_unpaid(rt=rt, now=now, window=window)


async def cancel_stale_appointments(rt: Runtime, now: datetime) -> int:
    """Pending viewings whose time came without a confirmation: canceled, both told."""
    return await appointments.cancel_stale(rt=rt, now=now)


async def purge_credentials(rt: Runtime, now: datetime) -> int:
    """Expired one-time codes and reset grants, expired refresh tokens, and sessions that
    ended (their refresh tokens go with them); old job records too. Nothing deleted here
    could still be used: each is refused on its own once expired or revoked."""
    ended = Q(expires_at__lte=now) | Q(revoked_at__isnull=False)
    deleted = await OtpCode.filter(expires_at__lte=now).delete()
    deleted += await ResetGrant.filter(expires_at__lte=now).delete()
    # The tokens of ended sessions first and by name, so the count is the same on every
    # backend (SQLite would count the cascade, PostgreSQL would not).
    deleted += await RefreshToken.filter(
        Q(expires_at__lte=now)
        | Q(session_id__in=Subquery(AuthSession.filter(ended).values("id")))
    ).delete()
    deleted += await AuthSession.filter(ended).delete()
    await JobRun.filter(started_at__lte=now - JOB_RUNS_KEPT).delete()
    return deleted


async def retry_mail(rt: Runtime, now: datetime) -> int:
    """Mails whose earlier attempt failed, when their next attempt is due; then the backlog
    (a gauge, and a warning line while it is not empty)."""
    sent = await rt.mailer.retry_due(now)
    waiting, oldest = await mail.backlog(now)
    metrics.mail_waiting(waiting)
    if waiting:
        logger.warning("mail backlog: %d not sent yet, the oldest for %.0f s", waiting, oldest)
    return sent


JOBS: tuple[Job, ...] = (
    Job("expire_contracts", expire_contracts),
    Job("cancel_unpaid_contracts", cancel_unpaid_contracts),
    Job("cancel_stale_appointments", cancel_stale_appointments),
    Job("purge_credentials", purge_credentials),
    Job("retry_mail", retry_mail),
)
