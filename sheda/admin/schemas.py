from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StringConstraints

from sheda.common.schemas import Input, PageQuery
from sheda.users.models import Role, UserType


class UserListQuery(PageQuery):
    role: Role | None = None
    user_type: UserType | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class AdminUserPatch(Input):
    role: Role | None = None
    is_active: StrictBool | None = None


class UserCounts(BaseModel):
    total: int = Field(description="Accounts not deleted")
    clients: int
    agents: int
    admins: int
    deactivated: int


class StatsOut(BaseModel):
    """Counts by state; every state of each enum is present (0 when none)."""

    users: UserCounts
    listings: dict[str, int] = Field(description="By status; `inactive` counts hidden ones")
    appointments: dict[str, int] = Field(description="By status")
    contracts: dict[str, int] = Field(description="By status")
    messages_today: int = Field(description="Chat messages sent since 00:00 UTC")
