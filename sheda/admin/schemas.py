from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from sheda.common.schemas import Input, PageQuery
from sheda.users.models import Role, UserType


class UserListQuery(PageQuery):
    role: Role | None = None
    user_type: UserType | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class AdminUserPatch(Input):
    role: Role | None = None
    is_active: bool | None = None
