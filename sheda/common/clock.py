"""Time in one place: always aware UTC, so tests and the API agree on what "now" is."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
