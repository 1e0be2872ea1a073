"""Base classes for request and response bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator


def _reject_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    if isinstance(value, list | tuple):
        for item in value:
            _reject_nul(item)
    return value


class Input(BaseModel):
    """Every request body and query: unknown fields are an error, never silently dropped.
    NUL characters are refused everywhere (PostgreSQL cannot store them; SQLite can, which
    would make the two backends disagree)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _reject_nul(value)


class Output(BaseModel):
    """Response bodies, read from model rows by attribute name (``model_validate(row)``)."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def from_row(cls, row: object, **related: Any) -> Self:
        """For a row with reverse relations among the fields (a listing's images, an
        account's agent profile): those are passed in, loaded by the caller, because reading
        them from the row would query (or fail on) a relation that was not fetched."""
        columns = {name: getattr(row, name) for name in cls.model_fields if name not in related}
        return cls.model_validate({**columns, **related})


def _require_zone(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("Timestamps must carry a timezone (e.g. 2026-01-31T10:00:00Z)")
    return value


def _as_utc(value: datetime) -> datetime:
    # Outputs: both backends hand rows back aware in UTC today; this keeps the API's promise
    # (UTC with a Z suffix, API.md) when one does not: pydantic writes a naive time with no
    # zone and an offset time with its offset. A naive time here is UTC: that is how it was
    # stored. Inputs reach this only with a zone (_require_zone runs first).
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-05:00 is past the calendar's end in UTC
        raise ValueError("The time is out of range") from None


# A time in a request: must name its zone; handed to the service in UTC.
AwareDatetime = Annotated[datetime, AfterValidator(_require_zone), AfterValidator(_as_utc)]

# Every time in a response body or websocket frame: written as ISO 8601 in UTC with "Z".
Timestamp = Annotated[datetime, AfterValidator(_as_utc)]

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = Field(default=None, description="Pass as ?cursor= for more")


class PageQuery(Input):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None
