from __future__ import annotations

from datetime import datetime
from typing import Any

from sheda.common.schemas import Output, PageQuery


class NotificationOut(Output):
    id: int
    event: str
    data: dict[str, Any]
    read_at: datetime | None
    created_at: datetime


class NotificationQuery(PageQuery):
    unread: bool = False
