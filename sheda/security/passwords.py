"""Password hashing with bcrypt, always off the event loop.

bcrypt reads at most 72 bytes (bcrypt 5 raises beyond that), so the password is first
reduced to base64(SHA-256(password)): 44 ASCII bytes that depend on every character.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from functools import lru_cache

import bcrypt


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def _hash_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def _verify_sync(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:  # a malformed stored hash is a failed check, not a crash
        return False


async def hash_password(password: str, rounds: int) -> str:
    return await asyncio.to_thread(_hash_sync, password, rounds)


async def verify_password(password: str, hashed: str) -> bool:
    return await asyncio.to_thread(_verify_sync, password, hashed)


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return _hash_sync("not-a-real-password", rounds)


async def burn_verify_time(password: str, rounds: int) -> None:
    """Spend the time of a real check when the account does not exist, so an unknown user
    cannot be told from a wrong password by timing."""
    await asyncio.to_thread(_verify_sync, password, _dummy_hash(rounds))
