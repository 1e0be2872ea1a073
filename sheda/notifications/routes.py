"""/api/v1/notifications: a user's own notifications."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.common.access import Access
from sheda.common.http import endpoint, no_content, parse_query, respond
from sheda.notifications import service
from sheda.notifications.schemas import EVENTS, NotificationPage, NotificationQuery
from sheda.users.principal import current

bp = Blueprint("notifications", url_prefix="/api/v1/notifications")
TAG = "Notifications"


@bp.get("")
@endpoint(
    Access.USER,
    summary="My notifications",
    tag=TAG,
    description=(
        "Newest first; `unread=true` for unread only. `event` is one of "
        + ", ".join(f"`{name}`" for name in EVENTS)
        + "; each kind of event has its own `data` (see the three notification schemas). "
        "The same notifications are pushed live as `notification` frames (/docs/socket)."
    ),
    query=NotificationQuery,
    responses={200: NotificationPage},
    errors=(422,),
)
async def list_notifications(request: Request) -> HTTPResponse:
    query = parse_query(request, NotificationQuery)
    return respond(await service.list_mine(user_id=current(request).id, query=query))


@bp.post("/<notification_id:id>/read")
@endpoint(
    Access.USER,
    summary="Mark one notification read",
    tag=TAG,
    description="Idempotent.",
    responses={204: "Marked read"},
    errors=(404,),
)
async def read_one(request: Request, notification_id: int) -> HTTPResponse:
    await service.mark_read(user_id=current(request).id, notification_id=notification_id)
    return no_content()


@bp.post("/read-all")
@endpoint(Access.USER, summary="Mark all my notifications read", tag=TAG, responses={204: "Done"})
async def read_all(request: Request) -> HTTPResponse:
    await service.mark_all_read(user_id=current(request).id)
    return no_content()
