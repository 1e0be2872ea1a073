"""One-time codes: issue, and verify with a bounded number of tries.

Every step that must hold under concurrency is a conditional UPDATE: a try is counted only
while ``attempts < max`` (so the sixth try fails even with the right code) and a code is
consumed only while ``used_at IS NULL`` (so twenty concurrent right answers make one
success).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from tortoise.expressions import F

from sheda.auth.models import OtpCode, OtpPurpose
from sheda.common.clock import utcnow
from sheda.config import Settings
from sheda.errors import InvalidOtp
from sheda.users.models import User


def _digest(secret: str, code: str, user_id: int, purpose: OtpPurpose) -> str:
    message = f"{user_id}:{purpose.value}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


async def issue_code(*, settings: Settings, user: User, purpose: OtpPurpose) -> str:
    """A fresh 6-digit code; earlier unused codes for the same purpose stop working."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = utcnow()
    await OtpCode.filter(user_id=user.id, purpose=purpose, used_at=None).update(used_at=now)
    await OtpCode.create(
        user_id=user.id,
        purpose=purpose,
        code_hash=_digest(settings.secret_key, code, user.id, purpose),
        expires_at=now + timedelta(seconds=settings.otp_ttl),
    )
    return code


async def consume_code(*, settings: Settings, user: User, purpose: OtpPurpose, code: str) -> None:
    """Spend one try on the live code and consume it when right; InvalidOtp otherwise."""
    now = utcnow()
    live = (
        await OtpCode.filter(user_id=user.id, purpose=purpose, used_at=None, expires_at__gt=now)
        .order_by("-id")
        .first()
    )
    if live is None:
        raise InvalidOtp()
    counted = await OtpCode.filter(
        id=live.id, used_at=None, attempts__lt=settings.otp_max_attempts
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise InvalidOtp()
    expected = _digest(settings.secret_key, code, user.id, purpose)
    if not hmac.compare_digest(expected, live.code_hash):
        raise InvalidOtp()
    if not await OtpCode.filter(id=live.id, used_at=None).update(used_at=utcnow()):
        raise InvalidOtp()  # a concurrent request with the same code won
