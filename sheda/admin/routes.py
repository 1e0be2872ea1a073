"""/api/v1/admin: account administration (admin only)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.admin import service, stats
from sheda.admin.schemas import AdminUserPatch, StatsOut, UserListQuery
from sheda.common.access import Access
from sheda.common.http import endpoint, parse_body, parse_query, respond, runtime
from sheda.common.schemas import Page
from sheda.properties import service as properties
from sheda.properties.schemas import ModerationIn, PropertyOut
from sheda.users.principal import current
from sheda.users.schemas import UserOut

bp = Blueprint("admin", url_prefix="/api/v1/admin")
TAG = "Admin"


@bp.get("/users")
@endpoint(
    Access.ADMIN,
    summary="List accounts",
    tag=TAG,
    description="Newest first. Filters: `role`, `user_type`, `q` (email, username or name). "
    "`limit` 1..100 (default 20), `cursor` from `next_cursor`.",
    query=UserListQuery,
    responses={200: Page[UserOut]},
    errors=(422,),
)
async def list_users(request: Request) -> HTTPResponse:
    query = parse_query(request, UserListQuery)
    return respond(await service.list_users(query=query))


@bp.get("/stats")
@endpoint(
    Access.ADMIN,
    summary="Counts for the dashboard",
    tag=TAG,
    description="Accounts (not deleted) by type, admins and deactivated ones; active "
    "listings by status plus `inactive` (hidden) ones; appointments and contracts by "
    "status (every status present, 0 when none); chat messages sent since 00:00 UTC.",
    responses={200: StatsOut},
)
async def get_stats(request: Request) -> HTTPResponse:
    return respond(await stats.stats())


@bp.patch("/properties/<property_id:id>")
@endpoint(
    Access.ADMIN,
    summary="Hide or show a listing (moderation)",
    tag=TAG,
    body=ModerationIn,
    responses={200: PropertyOut},
    errors=(404,),
)
async def moderate_property(request: Request, property_id: int) -> HTTPResponse:
    data = parse_body(request, ModerationIn)
    return respond(await properties.moderate(property_id=property_id, is_active=data.is_active))


@bp.patch("/users/<user_id:id>")
@endpoint(
    Access.ADMIN,
    summary="Change an account's role or active flag",
    tag=TAG,
    description="Deactivated accounts get 403 everywhere. A role change ends the account's "
    "sessions so no token keeps old scopes. An admin cannot demote or deactivate "
    "themselves (409).",
    body=AdminUserPatch,
    responses={200: UserOut},
    errors=(404, 409),
)
async def patch_user(request: Request, user_id: int) -> HTTPResponse:
    changes = parse_body(request, AdminUserPatch)
    out = await service.update_user(
        rt=runtime(request), admin=current(request).user, user_id=user_id, changes=changes
    )
    return respond(out)
