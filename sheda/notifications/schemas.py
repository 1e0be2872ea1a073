from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from sheda.common.schemas import PageQuery


class NotificationOut(BaseModel):
    id: int
    event: str
    data: dict[str, Any]
    read_at: datetime | None
    created_at: datetime


class NotificationQuery(PageQuery):
    unread: bool = False
