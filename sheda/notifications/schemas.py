from __future__ import annotations

from typing import Any

from sheda.common.schemas import Output, PageQuery, Timestamp


class NotificationOut(Output):
    id: int
    event: str
    data: dict[str, Any]
    read_at: Timestamp | None
    created_at: Timestamp


class NotificationQuery(PageQuery):
    unread: bool = False
