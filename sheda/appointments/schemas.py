"""Bodies for availability and appointments (API.md "Appointments")."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from sheda.appointments.models import AppointmentStatus
from sheda.common.schemas import AwareDatetime, Input, Output, PageQuery, Timestamp

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_SLOTS = 50


def _clock(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError("Use HH:MM in UTC (00:00 to 24:00)")
    return value


Clock = Annotated[
    str,
    AfterValidator(_clock),
    Field(json_schema_extra={"pattern": r"^\s*(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)\s*$"}),
]
Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")]


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def clock(total_minutes: int) -> str:
    return f"{total_minutes // 60:02d}:{total_minutes % 60:02d}"


class Slot(Input):
    weekday: Weekday
    start: Clock = Field(description="HH:MM, UTC")
    end: Clock = Field(description="HH:MM, UTC; 24:00 is midnight at the end of the day")

    @model_validator(mode="after")
    def _ordered(self) -> Slot:
        if minutes(self.start) >= minutes(self.end):
            raise ValueError("start must be before end")
        return self


class AvailabilityIn(Input):
    slots: list[Slot] = Field(max_length=MAX_SLOTS)

    @model_validator(mode="after")
    def _no_overlap(self) -> AvailabilityIn:
        by_day = sorted(self.slots, key=lambda s: (s.weekday, minutes(s.start)))
        for before, after in pairwise(by_day):
            # Touching slots (09:00-12:00 and 12:00-15:00) are fine; overlapping ones are not.
            if before.weekday == after.weekday and minutes(after.start) < minutes(before.end):
                raise ValueError(
                    f"Slots overlap on weekday {before.weekday}: "
                    f"{before.start}-{before.end} and {after.start}-{after.end}"
                )
        return self


class SlotOut(BaseModel):
    weekday: int
    start: str
    end: str


class AvailabilityOut(BaseModel):
    slots: list[SlotOut]


BOOKING_HORIZON = timedelta(days=365)  # viewings are booked at most a year ahead
MAX_FREE_RANGE_DAYS = 31


class FreeQuery(Input):
    """GET …/availability/free: a range of at most 31 days; by default the next 7."""

    start: AwareDatetime | None = Field(
        default=None, alias="from", description="ISO time with a zone; default now"
    )
    end: AwareDatetime | None = Field(
        default=None, alias="to", description="ISO time with a zone; default `from` + 7 days"
    )

    @model_validator(mode="after")
    def _range(self) -> FreeQuery:
        if self.start is not None and self.end is not None:
            if self.end <= self.start:
                raise ValueError("`to` must be after `from`")
            if self.end - self.start > timedelta(days=MAX_FREE_RANGE_DAYS):
                raise ValueError(f"At most {MAX_FREE_RANGE_DAYS} days from `from` to `to`")
        return self


class WindowOut(BaseModel):
    start: Timestamp
    end: Timestamp


class FreeWindowsOut(BaseModel):
    windows: list[WindowOut] | None = Field(
        description="Oldest first; null when the agent set no weekly slots (any future time "
        "is open)"
    )


Note = Annotated[str, StringConstraints(max_length=1000)]


class AppointmentIn(Input):
    property_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    scheduled_at: AwareDatetime = Field(
        description="In the future, with a timezone; stored in UTC"
    )
    duration_minutes: Annotated[int, Field(ge=15, le=240)] = 60
    note: Note | None = None


class RejectIn(Input):
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class AppointmentOut(Output):
    id: int
    property_id: int | None = Field(description="null once the listing was deleted")
    client_id: int
    agent_id: int
    scheduled_at: Timestamp
    duration_minutes: int
    status: AppointmentStatus
    note: str | None
    reject_reason: str | None
    created_at: Timestamp
    updated_at: Timestamp


class PartyRole(StrEnum):
    CLIENT = "client"
    AGENT = "agent"


class AppointmentQuery(PageQuery):
    status: AppointmentStatus | None = None
    role: PartyRole | None = Field(
        default=None, description="only those where I am the client, or the agent"
    )
