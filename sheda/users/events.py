"""What the users domain announces."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountClosed:
    """The account deleted itself (soft delete), inside that transaction. The domains that
    hold its sessions, listings, viewings and deals settle them (their listeners.py)."""

    user_id: int
