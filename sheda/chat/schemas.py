"""Chat bodies and frames (API.md "Chat")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, Field, StringConstraints

from sheda.common.schemas import Input, Output, PageQuery, Timestamp

MessageText = Annotated[
    str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=False)
]
ClientKey = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=False)]
UserId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Seq = Annotated[int, Field(ge=0, le=2**31 - 1)]


class SendIn(Input):
    """A message to ``receiver_id``, over the socket or POST /api/v1/chat/messages alike.
    ``client_id`` is the sender's own key for it (a UUID, say): a retry with the same key is
    stored once and answered with the first ack (or the stored message) again."""

    receiver_id: UserId
    message: MessageText
    property_id: UserId | None = None
    client_id: ClientKey | None = None


class MessageOut(Output):
    id: int
    conversation_id: int
    seq: int
    sender_id: int
    receiver_id: int
    # Read from a Message row (its text is `body`) or from a dict that names it `message`.
    message: str = Field(validation_alias=AliasChoices("message", "body"))
    property_id: int | None
    client_id: str | None
    created_at: Timestamp
    timestamp: Timestamp = Field(
        validation_alias=AliasChoices("timestamp", "created_at"),
        description="Equals created_at (kept for older clients)",
    )
    read_at: Timestamp | None


class HistoryQuery(Input):
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    limit: Annotated[int, Field(ge=1, le=200)] = 100
    after_seq: Seq | None = None


class OtherUser(BaseModel):
    id: int
    username: str | None
    fullname: str | None
    avatar_url: str | None
    online: bool


class ConversationOut(BaseModel):
    conversation_id: int
    other_user: OtherUser
    last_message: MessageOut | None
    last_seq: int
    unread_count: int
    property: dict[str, Any] | None = Field(
        default=None, description="{id, title} of the listing the chat is about"
    )


class ConversationQuery(PageQuery):
    pass


class ReadIn(Input):
    up_to_seq: Seq


class UnreadOut(BaseModel):
    total_unread: int
    conversations_with_unread: int


class TicketOut(BaseModel):
    ticket: str
    expires_in: int
