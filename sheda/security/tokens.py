"""JWTs (HS256). Access tokens are short-lived and name their session (``sid``); reset tokens
carry only the ``otp`` scope. Every claim we rely on is required: a token without ``exp``
is refused, and so is any algorithm but HS256 (``alg=none`` included)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from sheda.common.clock import utcnow

ALGORITHM = "HS256"
ACCESS = "access"
RESET = "otp"
# The largest id of an INT primary key (every table's ids are 32-bit).
MAX_ID = 2**31 - 1


class TokenError(Exception):
    pass


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: str
    scopes: frozenset[str]
    jti: str
    issued_at: datetime
    expires_at: datetime


def _encode(secret: str, claims: dict[str, Any], ttl: int) -> tuple[str, datetime]:
    now = utcnow()
    expires = now + timedelta(seconds=ttl)
    payload = {**claims, "iat": int(now.timestamp()), "exp": expires, "jti": uuid.uuid4().hex}
    return jwt.encode(payload, secret, algorithm=ALGORITHM), expires


def issue_access_token(
    secret: str, *, user_id: int, session_id: str, scopes: list[str], ttl: int
) -> str:
    token, _ = _encode(
        secret,
        {"sub": str(user_id), "sid": session_id, "scopes": scopes, "typ": ACCESS},
        ttl,
    )
    return token


def issue_reset_token(secret: str, *, user_id: int, jti: str, ttl: int) -> str:
    now = utcnow()
    payload = {
        "sub": str(user_id),
        "scopes": ["otp"],
        "typ": RESET,
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": now + timedelta(seconds=ttl),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def _decode(secret: str, token: str, typ: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "jti", "typ"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from None
    if claims.get("typ") != typ:
        raise TokenError("wrong token type")
    return claims


def _user_id(claims: dict[str, Any]) -> int:
    """``sub`` as a user id: the decimal digits we write, within the id column's range (a
    validly signed token naming 2**70 must be a 401, not a database overflow)."""
    sub = claims["sub"]
    if not (isinstance(sub, str) and sub.isascii() and sub.isdigit()):
        raise ValueError("sub is not a user id")
    user_id = int(sub)
    if not 1 <= user_id <= MAX_ID:
        raise ValueError("sub is not a user id")
    return user_id


def decode_access_token(secret: str, token: str) -> AccessClaims:
    claims = _decode(secret, token, ACCESS)
    try:
        return AccessClaims(
            user_id=_user_id(claims),
            session_id=str(claims["sid"]),
            scopes=frozenset(claims["scopes"]),
            jti=str(claims["jti"]),
            issued_at=datetime.fromtimestamp(int(claims["iat"]), tz=utcnow().tzinfo),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=utcnow().tzinfo),
        )
    except (KeyError, TypeError, ValueError):
        raise TokenError("malformed claims") from None


def decode_reset_token(secret: str, token: str) -> tuple[int, str]:
    claims = _decode(secret, token, RESET)
    try:
        return _user_id(claims), str(claims["jti"])
    except (KeyError, TypeError, ValueError):
        raise TokenError("malformed claims") from None


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
