"""Administration of accounts. Only reached through Access.ADMIN routes."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from sheda.admin.schemas import AdminUserPatch, UserListQuery
from sheda.auth.service import end_sessions
from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.events import FollowUp
from sheda.common.pagination import newest_first
from sheda.common.schemas import Page
from sheda.common.sockets import CLOSE_DEACTIVATED
from sheda.errors import Conflict, NotFound
from sheda.users.models import AgentProfile, User
from sheda.users.schemas import UserOut
from sheda.users.service import user_out


async def list_users(*, query: UserListQuery) -> Page[UserOut]:
    """Newest first, keyset-paginated on id; two queries per page (users, their profiles)."""
    rows = User.filter(deleted_at=None)
    if query.role is not None:
        rows = rows.filter(role=query.role)
    if query.user_type is not None:
        rows = rows.filter(user_type=query.user_type)
    if query.q:
        term = query.q
        rows = rows.filter(
            Q(email__icontains=term) | Q(username__icontains=term) | Q(fullname__icontains=term)
        )
    users, next_cursor = await newest_first(rows, limit=query.limit, cursor=query.cursor)
    profiles = {
        p.user_id: p
        for p in await AgentProfile.filter(user_id__in=[u.id for u in users])
    }
    items = [user_out(u, profiles.get(u.id)) for u in users]
    return Page[UserOut](items=items, next_cursor=next_cursor)


async def update_user(
    *, rt: Runtime, admin: User, user_id: int, changes: AdminUserPatch
) -> UserOut:
    target = await User.get_or_none(id=user_id, deleted_at=None)
    if target is None:
        raise NotFound("No such user")
    data = changes.model_dump(exclude_unset=True, exclude_none=True)
    if target.id == admin.id and (
        data.get("is_active") is False or data.get("role", target.role) != target.role
    ):
        raise Conflict("You cannot demote or deactivate your own account")
    if data:
        close_sockets: FollowUp | None = None
        async with in_transaction():
            await User.filter(id=target.id).update(**data, updated_at=utcnow())
            if data.get("role") not in (None, target.role):
                # Tokens carry scopes; a demoted admin must not keep "admin" in a live token.
                close_sockets = await end_sessions(rt, user_id=target.id, reason="role_change")
        if data.get("is_active") is False:
            # A deactivated account keeps its sessions (its tokens get 403); its sockets close.
            await rt.hub.close_sessions(target.id, code=CLOSE_DEACTIVATED)
        elif close_sockets is not None:
            await close_sockets()
        target = await User.get(id=target.id)
    return user_out(target, await AgentProfile.get_or_none(user_id=target.id))
