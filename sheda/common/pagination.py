"""Opaque keyset cursors: base64url of a small JSON list (the sort key of the last row).

Keyset rather than OFFSET so a page never repeats or skips rows while others insert."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from sheda.errors import FieldError

MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers (SERIAL) on PostgreSQL


def encode_cursor(*key: Any) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise FieldError.one("query.cursor", "The cursor is not valid") from None
    if not isinstance(key, list) or len(key) != arity:
        raise FieldError.one("query.cursor", "The cursor is not valid")
    return key


def cursor_id(value: object) -> int:
    """An id taken from a cursor: a real int inside the range of our id columns."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DB_ID:
        raise FieldError.one("query.cursor", "The cursor is not valid")
    return value


Row = TypeVar("Row", bound=Model)


async def newest_first(
    rows: QuerySet[Row], *, limit: int, cursor: str | None
) -> tuple[list[Row], str | None]:
    """One page of ``rows`` by id, newest first: (the rows, the cursor of the next page)."""
    if cursor:
        (raw_id,) = decode_cursor(cursor, 1)
        rows = rows.filter(id__lt=cursor_id(raw_id))
    found = await rows.order_by("-id").limit(limit + 1)
    page = found[:limit]
    more = len(found) > limit and bool(page)
    return page, encode_cursor(page[-1].pk) if more else None
