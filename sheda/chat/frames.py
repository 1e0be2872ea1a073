"""The socket protocol's frames (API.md, "WebSocket protocol"): one model per frame, the
only place their shapes are written. The server builds every frame it sends from these and
reads every frame it receives with them; the protocol's documentation is generated from
them.

Times are written the API's way (UTC, ``Z``); every frame is serialised once, however
many sockets it goes to (``encode``)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from sheda.chat.schemas import MessageOut, SendIn, Seq, UserId
from sheda.common.schemas import Timestamp
from sheda.notifications.schemas import (
    AppointmentEvent,
    AppointmentEventData,
    ContractEvent,
    ContractEventData,
    DataT,
    EventT,
    InquiryEvent,
    InquiryEventData,
    NotificationOut,
)
from sheda.users.models import User


class Frame(BaseModel):
    type: str


class SenderInfo(BaseModel):
    """Who sent a message, enough to show it without another request."""

    id: int
    username: str | None
    avatar_url: str | None


class MessageFrame(Frame):
    """A message, to the receiver and to the sender's other sockets (and in a sync). Not the
    REST message: the sender comes as ``sender_info`` (id, username, avatar), and there is no
    ``read_at`` or ``timestamp``."""

    type: Literal["message"] = "message"
    id: int
    conversation_id: int
    seq: int
    sender_info: SenderInfo
    receiver_id: int
    message: str
    property_id: int | None
    client_id: str | None
    created_at: Timestamp

    @classmethod
    def of(cls, message: MessageOut, sender: User) -> MessageFrame:
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            seq=message.seq,
            sender_info=SenderInfo(
                id=sender.id, username=sender.username, avatar_url=sender.avatar_url
            ),
            receiver_id=message.receiver_id,
            message=message.message,
            property_id=message.property_id,
            client_id=message.client_id,
            created_at=message.created_at,
        )


class AckFrame(Frame):
    """To the sending socket, once the message is committed; a repeated client_id gets the
    same ack again."""

    type: Literal["ack"] = "ack"
    status: Literal["sent"] = "sent"
    message_id: int
    client_id: str | None
    property_id: int | None
    conversation_id: int
    seq: int
    created_at: Timestamp

    @classmethod
    def of(cls, message: MessageOut) -> AckFrame:
        return cls(
            message_id=message.id,
            client_id=message.client_id,
            property_id=message.property_id,
            conversation_id=message.conversation_id,
            seq=message.seq,
            created_at=message.created_at,
        )


class SyncedFrame(Frame):
    """Ends the reply to a sync: the last seq of every conversation of the user."""

    type: Literal["synced"] = "synced"
    conversations: dict[str, int] = Field(description="conversation id → its last seq")


class TypingFrame(Frame):
    """The other member of ``conversation_id`` is typing: show it for a few seconds (there
    is no "stopped typing" frame)."""

    type: Literal["typing"] = "typing"
    sender_id: int
    conversation_id: int


class ReadFrame(Frame):
    """The other member read the conversation up to ``up_to_seq``."""

    type: Literal["read"] = "read"
    conversation_id: int
    reader_id: int
    up_to_seq: int


class _NotificationFrame(Frame, Generic[EventT, DataT]):
    """A stored notification, pushed live: the same as in GET /api/v1/notifications (its
    ``id`` included), without ``read_at``. ``event`` picks the shape of ``data``."""

    type: Literal["notification"] = "notification"
    id: int
    event: EventT
    data: DataT
    created_at: Timestamp


class AppointmentNotificationFrame(_NotificationFrame[AppointmentEvent, AppointmentEventData]):
    """A viewing was requested, confirmed, rejected, canceled or completed."""


class ContractNotificationFrame(_NotificationFrame[ContractEvent, ContractEventData]):
    """A deal was created or moved (payment submitted, active, declined, canceled, expired)."""


class InquiryNotificationFrame(_NotificationFrame[InquiryEvent, InquiryEventData]):
    """A new lead on one of the agent's listings."""


NotificationFrame = Annotated[
    AppointmentNotificationFrame | ContractNotificationFrame | InquiryNotificationFrame,
    Field(discriminator="event"),
]
_NOTIFICATION_FRAME: TypeAdapter[NotificationFrame] = TypeAdapter(NotificationFrame)


def notification_frame(notification: NotificationOut) -> Frame:
    fields = notification.model_dump(include={"id", "event", "data", "created_at"})
    frame: Frame = _NOTIFICATION_FRAME.validate_python(fields)
    return frame


class PongFrame(Frame):
    """The answer to ``ping``."""

    type: Literal["pong"] = "pong"


class ErrorFrame(Frame):
    """A refused frame; the socket stays open. ``client_id`` echoes the refused frame's
    when it is a valid key, else null."""

    type: Literal["error"] = "error"
    code: str
    detail: str
    client_id: str | None = None


# Every server → client frame by its ``type`` (the AsyncAPI document is generated from this).
SERVER_FRAMES: dict[str, Any] = {
    "message": MessageFrame,
    "ack": AckFrame,
    "synced": SyncedFrame,
    "typing": TypingFrame,
    "read": ReadFrame,
    "notification": NotificationFrame,
    "pong": PongFrame,
    "error": ErrorFrame,
}


# --- client → server (a message frame is SendIn, shared with POST /messages) ------------


class ClientFrame(BaseModel):
    """Client → server frames: the ``type`` key is the dispatcher's; unknown keys are ignored so
    newer clients can talk to this server."""

    model_config = ConfigDict(extra="ignore", strict=True)


class TypingIn(ClientFrame):
    """The user is typing to ``receiver_id``: forwarded to them as a ``typing`` frame, only in
    a conversation that exists and unless they blocked the sender. Send it at most every few
    seconds while typing; there is no "stopped typing" frame."""

    receiver_id: UserId


class ReadIn(ClientFrame):
    """Mark the conversation read up to ``up_to_seq``; the other member gets a ``read``
    frame (the same as POST /api/v1/chat/conversations/{id}/read)."""

    conversation_id: UserId
    up_to_seq: Seq


# A conversation id as a JSON object key: plain ASCII digits within the id column's range
# (``str.isdigit`` also accepts "²", which ``int`` refuses).
ConversationKey = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,9}$")]


class SyncIn(ClientFrame):
    """Ask for what was missed: for each conversation the last seq this client has seen
    (0 for none). The reply is the newer messages as ``message`` frames, then one ``synced``
    frame that lists every conversation of the user, so send ``{}`` to learn them all."""

    conversations: dict[ConversationKey, Seq] = Field(
        default_factory=dict,
        # Keys that are not conversation ids are refused (the schema says so too).
        json_schema_extra={"additionalProperties": False},
    )

    def seen(self) -> dict[int, int]:
        # Ten digits may still be past the column's range: no such conversation exists.
        seen = {int(key): value for key, value in self.conversations.items()}
        return {key: value for key, value in seen.items() if key <= 2**31 - 1}


class PingIn(ClientFrame):
    """Answered with ``pong``: an application-level check that the socket is alive (the
    server also sends websocket pings every 25 s)."""


# Every client → server frame by its ``type``; a frame without ``type`` is a message, as the
# original clients sent it. The socket dispatches on exactly these names.
CLIENT_FRAMES: dict[str, type[BaseModel]] = {
    "message": SendIn,
    "typing": TypingIn,
    "read": ReadIn,
    "sync": SyncIn,
    "ping": PingIn,
}


def encode(frame: Frame) -> str:
    """The frame as the socket's text message."""
    return frame.model_dump_json()
