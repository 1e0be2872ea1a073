"""What services need from the running app, passed to them explicitly (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from sheda.common.storage import MediaStore
from sheda.config import Settings
from sheda.mail.service import Mailer
from sheda.security.rate_limit import RateLimiter


@dataclass
class Runtime:
    settings: Settings
    limiter: RateLimiter
    mailer: Mailer
    media: MediaStore
    redis: Redis | None = None
