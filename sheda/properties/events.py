"""What the properties domain announces. Both are published before the change is made,
inside its transaction: a domain that holds something on the listing may refuse the change
(raise Conflict: a deal in progress) or settle its part (viewings canceled)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListingStatusChanging:
    """The agent changes the listing's status by hand."""

    property_id: int


@dataclass(frozen=True)
class ListingRemoved:
    """The listing is being deleted."""

    property_id: int
    title: str
