"""One websocket connection: read frames, answer them, keep the hub's registry current.

Bad frames get an ``error`` frame and the socket stays open; the reader never blocks on
a slow write (writes go through the socket's own queue and writer task).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from sheda import metrics
from sheda.chat import history, service
from sheda.chat.frames import (
    CLIENT_FRAMES,
    AckFrame,
    ErrorFrame,
    Frame,
    PongFrame,
    ReadIn,
    SyncIn,
    TypingFrame,
    TypingIn,
    encode,
)
from sheda.chat.hub import Socket, hub_of
from sheda.chat.schemas import SendIn
from sheda.common import jsontext
from sheda.common.context import Runtime
from sheda.errors import AppError, is_database_outage
from sheda.users.principal import Principal

logger = logging.getLogger("sheda.chat.socket")

MESSAGES_PER_SECOND = 20


class _Window:
    """At most ``limit`` events in any second (a sliding window of timestamps)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._times: deque[float] = deque()

    def allow(self) -> bool:
        now = time.monotonic()
        while self._times and now - self._times[0] >= 1.0:
            self._times.popleft()
        if len(self._times) >= self._limit:
            return False
        self._times.append(now)
        return True


def _client_key(frame: dict[str, Any]) -> str | None:
    key = frame.get("client_id")
    return key if isinstance(key, str) and 1 <= len(key) <= 64 else None


def _error(code: str, detail: str, frame: dict[str, Any] | None = None) -> ErrorFrame:
    return ErrorFrame(code=code, detail=detail, client_id=_client_key(frame) if frame else None)


def _json_type(value: Any) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
             dict: "object", type(None): "null"}
    return names.get(type(value), "unknown")


class FrameHandler:
    def __init__(self, rt: Runtime, caller: Principal, socket: Socket) -> None:
        self.rt = rt
        self.principal = caller
        self.socket = socket
        self._messages = _Window(MESSAGES_PER_SECOND)
        # One method per documented client frame (frames.CLIENT_FRAMES): ``_message``, ...
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            name: getattr(self, f"_{name}") for name in CLIENT_FRAMES
        }

    def reply(self, frame: Frame) -> None:
        self.socket.offer(encode(frame))

    async def handle(self, raw: str | bytes) -> None:
        try:
            frame = jsontext.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self.reply(_error("bad_frame", "Frames are JSON objects"))
            return
        if not isinstance(frame, dict):
            self.reply(_error("bad_frame", "Frames are JSON objects"))
            return
        kind = frame.get("type", "message")  # the original clients send no type
        handler = self._handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            shown = repr(kind) if isinstance(kind, str) else f"of JSON type {_json_type(kind)}"
            known = ", ".join(CLIENT_FRAMES)
            self.reply(_error("bad_frame", f"Unknown frame type {shown[:80]}; one of: {known}",
                              frame))
            return
        try:
            await handler(frame)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            self.reply(_error("validation_error", f"{where}: {first['msg']}", frame))
        except AppError as exc:
            self.reply(_error(exc.code, exc.detail, frame))
        except Exception as exc:
            if is_database_outage(exc):  # the socket stays; the client retries (by client_id)
                logger.warning("frame %r of user %s: database unavailable", kind,
                               self.principal.id)
                self.reply(_error("unavailable", "The database is unavailable; retry shortly",
                                  frame))
                return
            # A fault of ours (or of the database) in one frame must not end the socket:
            # the client gets an error frame and may retry (a send is idempotent by
            # client_id); the line names the user and the frame type, never the socket URL.
            logger.exception("frame %r of user %s failed", kind, self.principal.id)
            self.reply(_error("internal_error", "The frame could not be handled; retry", frame))

    async def _message(self, frame: dict[str, Any]) -> None:
        if not self._messages.allow():
            self.reply(_error("rate_limited", "At most 20 messages a second", frame))
            return
        # Like every frame, unknown keys are ignored (a ``sender_id`` included: the sender
        # is always the socket's user); the known ones get the REST body's validation.
        data = SendIn.model_validate({k: v for k, v in frame.items() if k in SendIn.model_fields})
        sender = self.principal.user
        sent = await service.send(caller=sender, data=data)
        if sent.stored_now:
            metrics.message_sent("websocket")
        self.reply(AckFrame.of(sent.message))  # only after the commit
        await service.deliver(
            hub=hub_of(self.rt), sent=sent, sender=sender, skip_socket=self.socket.id
        )

    async def _typing(self, frame: dict[str, Any]) -> None:
        receiver = TypingIn.model_validate(frame).receiver_id
        conversation = await service.pair_conversation(self.principal.id, receiver)
        if conversation is None or await service.is_blocked(by=receiver, who=self.principal.id):
            return  # typing never creates a conversation, nor reaches someone who blocked us
        await hub_of(self.rt).send(
            receiver,
            TypingFrame(sender_id=self.principal.id, conversation_id=conversation.id),
        )

    async def _read(self, frame: dict[str, Any]) -> None:
        data = ReadIn.model_validate(frame)
        await history.mark_read(
            hub=hub_of(self.rt),
            user_id=self.principal.id,
            conversation_id=data.conversation_id,
            up_to_seq=data.up_to_seq,
        )

    async def _sync(self, frame: dict[str, Any]) -> None:
        seen = SyncIn.model_validate(frame).seen()
        for out in await history.sync_frames(user_id=self.principal.id, seen=seen):
            self.reply(out)

    async def _ping(self, frame: dict[str, Any]) -> None:
        self.reply(PongFrame())
