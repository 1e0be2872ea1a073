"""/api/v1/chat: the websocket and its REST companions."""

from __future__ import annotations

import logging
import time

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.server.websockets.impl import WebsocketImplProtocol

from sheda import metrics
from sheda.chat import history, service
from sheda.chat.hub import Socket, hub_of
from sheda.chat.schemas import (
    ConversationOut,
    ConversationQuery,
    HistoryQuery,
    MessageOut,
    ReadIn,
    SendIn,
    TicketOut,
    UnreadOut,
)
from sheda.chat.socket import FrameHandler
from sheda.chat.tickets import TTL as TICKET_TTL
from sheda.common.access import Access
from sheda.common.http import endpoint, no_content, parse_body, parse_query, respond, runtime
from sheda.common.logs import ACCESS_LOGGER, access_fields
from sheda.common.schemas import Page
from sheda.security.websocket import OFFERED_BEARER
from sheda.users.principal import current

logger = logging.getLogger("sheda.chat")
access_logger = logging.getLogger(ACCESS_LOGGER)
bp = Blueprint("chat", url_prefix="/api/v1/chat")
TAG = "Chat"


@endpoint(
    Access.USER,
    summary="Real-time chat socket",
    tag=TAG,
    description="Connect with `?token=`, `?ticket=` or `Sec-WebSocket-Protocol: bearer, "
    "<token>`; refused before the upgrade with 401 (bad credentials) or 403 (deactivated "
    "account, or a browser Origin outside SHEDA_WS_ORIGINS; a handshake without Origin, "
    "as native apps make, is not refused for it). Every frame, the close codes and what a "
    "client does on each: /docs/socket (AsyncAPI 3.0: /docs/asyncapi.json).",
)
async def chat_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    rt = runtime(request)
    principal = current(request)
    socket = Socket(ws, user_id=principal.id, session_id=principal.session_id)
    hub_of(rt).add(socket)
    metrics.socket_opened()
    opened = time.perf_counter()
    json_logs = rt.settings.log_format == "json"  # text mode has Sanic's websocket lines
    fields = access_fields(request, request.uri_template)
    if json_logs:
        access_logger.info("websocket opened", extra={**fields, "status": 101})
    frames = FrameHandler(rt, principal, socket)
    rt.presence.connected(principal.id)  # paired with disconnected below, whatever happens
    try:
        async for raw in ws:
            if socket.closing:
                break
            await frames.handle(raw)
    finally:
        hub_of(rt).discard(socket)
        rt.presence.disconnected(principal.id)
        metrics.socket_closed()
        await socket.stop()
        if json_logs:
            access_logger.info(
                "websocket closed",
                extra={
                    **fields,
                    "close_code": getattr(getattr(ws, "ws_proto", None), "close_code", None),
                    "duration_ms": round((time.perf_counter() - opened) * 1000, 2),
                },
            )


# Registered by a call, not @bp.websocket: that decorator is unannotated (mypy --strict).
bp.add_websocket_route(chat_socket, "/ws", subprotocols=OFFERED_BEARER)


@bp.post("/messages")
@endpoint(
    Access.USER,
    summary="Send a message",
    tag=TAG,
    description="Delivered live exactly like a websocket send. A repeated `client_id` "
    "returns the stored message with 200 and stores nothing. A user who blocked you → 403.",
    body=SendIn,
    responses={201: MessageOut, 200: MessageOut},
    errors=(404,),
)
async def send_message(request: Request) -> HTTPResponse:
    data = parse_body(request, SendIn)
    sender = current(request).user
    sent = await service.send(caller=sender, data=data)
    if sent.stored_now:
        metrics.message_sent("rest")
    await service.deliver(hub=hub_of(runtime(request)), sent=sent, sender=sender)
    return respond(sent.message, status=201 if sent.stored_now else 200)


@bp.get("/chat-history/<other_user_id:id>")
@endpoint(
    Access.USER,
    summary="Messages with one user",
    tag=TAG,
    description="A bare JSON array. Newest first with `offset`/`limit` (1..200, default "
    "100); with `after_seq=N`, the messages after seq N, oldest first.",
    query=HistoryQuery,
    responses={200: list[MessageOut]},
    errors=(404, 422),
)
async def chat_history(request: Request, other_user_id: int) -> HTTPResponse:
    query = parse_query(request, HistoryQuery)
    rows = await history.history(user_id=current(request).id, other_id=other_user_id, query=query)
    return respond(rows)


@bp.get("/conversations")
@endpoint(
    Access.USER,
    summary="My conversations",
    tag=TAG,
    description="Most recent first, with the other user (and whether they are online), the "
    "last message and my unread count.",
    query=ConversationQuery,
    responses={200: Page[ConversationOut]},
    errors=(422,),
)
async def list_conversations(request: Request) -> HTTPResponse:
    query = parse_query(request, ConversationQuery)
    page = await history.conversations(
        user_id=current(request).id, query=query, presence=runtime(request).presence
    )
    return respond(page)


@bp.post("/conversations/<conversation_id:id>/read")
@endpoint(
    Access.USER,
    summary="Mark read up to a seq",
    tag=TAG,
    description="Members only (404 otherwise). The other member gets a `read` frame.",
    body=ReadIn,
    responses={204: "Marked"},
    errors=(404,),
)
async def mark_read(request: Request, conversation_id: int) -> HTTPResponse:
    data = parse_body(request, ReadIn)
    await history.mark_read(
        hub=hub_of(runtime(request)),
        user_id=current(request).id,
        conversation_id=conversation_id,
        up_to_seq=data.up_to_seq,
    )
    return no_content()


@bp.get("/unread-count")
@endpoint(Access.USER, summary="My unread counts", tag=TAG, responses={200: UnreadOut})
async def unread_count(request: Request) -> HTTPResponse:
    return respond(await history.unread(user_id=current(request).id))


@bp.post("/ws-ticket")
@endpoint(
    Access.USER,
    summary="A single-use websocket ticket",
    tag=TAG,
    description="For browsers that cannot set headers: `?ticket=` on the socket URL within "
    "30 s, once. It dies with the session (logout).",
    responses={200: TicketOut},
)
async def ws_ticket(request: Request) -> HTTPResponse:
    principal = current(request)
    ticket = await runtime(request).tickets.issue(
        user_id=principal.id, session_id=principal.session_id
    )
    return respond(TicketOut(ticket=ticket, expires_in=TICKET_TTL))


@bp.post("/block/<user_id:id>")
@endpoint(
    Access.USER,
    summary="Block a user",
    tag=TAG,
    description="Their messages to you are refused with 403. Idempotent. Yourself → 422.",
    responses={204: "Blocked"},
    errors=(404, 422),
)
async def block(request: Request, user_id: int) -> HTTPResponse:
    await service.block(blocker_id=current(request).id, blocked_id=user_id)
    return no_content()


@bp.delete("/block/<user_id:id>")
@endpoint(Access.USER, summary="Unblock a user", tag=TAG, responses={204: "Unblocked"})
async def unblock(request: Request, user_id: int) -> HTTPResponse:
    await service.unblock(blocker_id=current(request).id, blocked_id=user_id)
    return no_content()
