"""The chat socket's protocol as an AsyncAPI 3.0 document (GET /docs/asyncapi.json).

Built from the frame models the server itself sends and reads (``sheda/chat/frames.py``:
``SERVER_FRAMES``, ``CLIENT_FRAMES``), so the document cannot drift from the protocol; the
test suite validates the document against the AsyncAPI 3.0 schema and every frame the
server sends in the tests against the document. Operations are written from the server's
side, as AsyncAPI asks: the client's frames are what the server ``receive``s, the rest is
what it ``send``s.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from sheda.chat.frames import CLIENT_FRAMES, SERVER_FRAMES
from sheda.chat.socket import MESSAGES_PER_SECOND
from sheda.common.sockets import (
    CLOSE_DEACTIVATED,
    CLOSE_REVOKED,
    CLOSE_SLOW_CONSUMER,
    GOING_AWAY,
)

SOCKET_PATH = "/api/v1/chat/ws"
REF = "#/components/schemas/{model}"
CHANNEL = "chat"
MAX_FRAME_KIB = 64
TOO_BIG = 1009  # websockets' own close code for a frame over the size limit

# What ends a socket, and what a client should do then: the part of the protocol a
# schema cannot say. The application codes are the ones the server uses (common/sockets).
CLOSE_CODES: list[dict[str, Any]] = [
    {
        "code": CLOSE_REVOKED,
        "meaning": "unauthorized: the session ended (logout, password change or reset, "
        "account deleted)",
        "client": "Do not reconnect with the same token. Refresh the tokens "
        "(POST /api/v1/auth/refresh) or sign in again; then reconnect and send sync.",
    },
    {
        "code": CLOSE_DEACTIVATED,
        "meaning": "the account was deactivated by an admin",
        "client": "Do not reconnect; tell the user (REST answers 403 too).",
    },
    {
        "code": CLOSE_SLOW_CONSUMER,
        "meaning": "slow consumer: the socket stopped reading and its send queue filled",
        "client": "Reconnect (with backoff) and send sync with the last seq seen per "
        "conversation; nothing is lost, it is all in the history.",
    },
    {
        "code": TOO_BIG,
        "meaning": f"a frame over {MAX_FRAME_KIB} KiB",
        "client": "Do not resend that frame (a message is at most 4000 characters); "
        "reconnect and sync.",
    },
    {
        "code": GOING_AWAY,
        "meaning": "the server is shutting down (a deploy or a restart)",
        "client": "Reconnect after a short random delay (another server answers) and send "
        "sync.",
    },
    {
        "code": 1006,
        "meaning": "the connection dropped with no close frame (network, proxy timeout)",
        "client": "Reconnect with exponential backoff (1 s, 2 s, 4 s … up to 30 s, with "
        "jitter) and send sync.",
    },
]

# Each client frame: what the server answers (the operation's reply), when it answers.
CLIENT_REPLIES: dict[str, list[str]] = {
    "message": ["ack", "error"],
    "sync": ["message", "synced"],
    "ping": ["pong"],
    "typing": ["error"],
    "read": ["error"],
}

DESCRIPTION = f"""\
One socket per tab or device; one user may hold many, and each gets every frame.
Frames are JSON text messages.

**Connect** with one of:

- `?token=<access_token>` on the URL;
- `?ticket=<ticket>` from `POST /api/v1/chat/ws-ticket` (single use, 30 s), for browsers,
  which cannot set headers and should keep tokens out of URLs;
- the header `Sec-WebSocket-Protocol: bearer, <access_token>` (the server selects `bearer`);
- `Authorization: Bearer <access_token>` (native clients).

A refused handshake is plain HTTP, before the upgrade: 401 for missing, bad, expired or
revoked credentials; 403 for a deactivated account, or for a browser `Origin` outside
`SHEDA_WS_ORIGINS` (a handshake without `Origin`, as native and mobile apps make, is not
refused for it); 503 while the server is shutting down (reconnect: another one answers).

**Delivery** is at least once: drop duplicates by message `id`. Every message has a `seq`
that counts 1, 2, 3… within its conversation. After a reconnect send `sync` with the last
`seq` seen per conversation and receive what was missed, in order, then `synced`. Resend an
unacknowledged message with the same `client_id`: it is stored once, and the retry gets the
first ack.

**Limits**: a frame is at most {MAX_FRAME_KIB} KiB (bigger: close {TOO_BIG}); at most
{MESSAGES_PER_SECOND} messages a second per socket (more: an `error` frame `rate_limited`,
the message is not stored); the server pings every 25 s and closes a socket that stops
reading once 256 frames are queued for it ({CLOSE_SLOW_CONSUMER}).

**Close codes** (also in `x-close-codes`):

{chr(10).join(f"- `{c['code']}`: {c['meaning']}. {c['client']}" for c in CLOSE_CODES)}

Unknown keys in a client frame are ignored (so newer clients can talk to older servers);
a frame with an unknown `type` gets an `error` frame that lists the known ones. The socket
stays open after any `error` frame.
"""


def _collect(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = _to_asyncapi(definition)
    converted: dict[str, Any] = _to_asyncapi(schema)
    return converted


def _to_asyncapi(node: Any) -> Any:
    """pydantic writes OpenAPI's discriminator object (``propertyName`` + ``mapping``);
    AsyncAPI's is only a property name with other rules. The variants of a union are told
    apart by their one-value ``event`` or ``type`` anyway, so it is left out."""
    if isinstance(node, list):
        return [_to_asyncapi(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: _to_asyncapi(value) for key, value in node.items() if key != "discriminator"}


def _payload(kind: Any, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(kind).json_schema(ref_template=REF, mode="serialization")
    payload = _collect(schema, components)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        components[kind.__name__] = payload
        return {"$ref": REF.format(model=kind.__name__)}
    return payload


def _client_payload(name: str, model: type[BaseModel], components: dict[str, Any]) -> Any:
    """A client frame: the model the socket validates it with, plus the ``type`` key the
    socket dispatches on (optional for a message: the original clients send none)."""
    schema = _collect(model.model_json_schema(ref_template=REF, mode="validation"), components)
    schema.pop("additionalProperties", None)  # unknown keys are ignored, not refused
    schema["title"] = f"{name} (client)"
    schema["properties"] = {"type": {"const": name}, **schema.get("properties", {})}
    if name != "message":
        schema["required"] = ["type", *schema.get("required", [])]
    return schema


def _message(name: str, payload: Any, summary: str) -> dict[str, Any]:
    return {"name": name, "title": name, "summary": summary, "payload": payload}


def _summary(kind: Any) -> str:
    doc = kind.__doc__ if isinstance(kind, type) else None  # never inherited by a class
    if not doc:
        return ""
    return " ".join(doc.replace("``", "`").split())  # docstrings' ``code`` as Markdown


@cache
def _document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, model in CLIENT_FRAMES.items():
        messages[f"client.{name}"] = _message(
            name, _client_payload(name, model, components), _summary(model) or f"{name} frame"
        )
    for name, kind in SERVER_FRAMES.items():
        payload = _payload(kind, components)
        summary = _summary(kind) or (
            "A stored notification, pushed live; `event` picks the shape of `data`."
            if name == "notification"
            else f"{name} frame"
        )
        messages[f"server.{name}"] = _message(name, payload, summary)
    channel_messages = {key: {"$ref": f"#/components/messages/{key}"} for key in messages}

    def refs(keys: list[str]) -> list[dict[str, str]]:
        return [{"$ref": f"#/channels/{CHANNEL}/messages/{key}"} for key in keys]

    operations: dict[str, Any] = {}
    for name in CLIENT_FRAMES:
        operation: dict[str, Any] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{CHANNEL}"},
            "summary": f"The client sends `{name}`",
            "messages": refs([f"client.{name}"]),
        }
        replies = CLIENT_REPLIES.get(name)
        if replies:
            operation["reply"] = {
                "channel": {"$ref": f"#/channels/{CHANNEL}"},
                "messages": refs([f"server.{reply}" for reply in replies]),
            }
        operations[f"receive_{name}"] = operation
    for name in SERVER_FRAMES:
        operations[f"send_{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{CHANNEL}"},
            "summary": f"The server pushes `{name}`",
            "messages": refs([f"server.{name}"]),
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Sheda chat socket",
            "version": "1",
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "channels": {
            CHANNEL: {
                "address": SOCKET_PATH,
                "title": "Chat, typing, read receipts and notifications",
                "description": "The one socket: every frame of the protocol travels on it.",
                "messages": channel_messages,
                "bindings": {"ws": _handshake()},
            }
        },
        "operations": operations,
        "components": {"schemas": components, "messages": messages},
        "x-close-codes": CLOSE_CODES,
    }


def _handshake() -> dict[str, Any]:
    return {
        "method": "GET",
        "query": {
            "type": "object",
            "properties": {
                "token": {"type": "string", "description": "An access token"},
                "ticket": {
                    "type": "string",
                    "description": "A ticket from POST /api/v1/chat/ws-ticket (single use)",
                },
            },
        },
        "headers": {
            "type": "object",
            "properties": {
                "Sec-WebSocket-Protocol": {
                    "type": "string",
                    "description": "`bearer, <access_token>`: the token as a subprotocol",
                },
                "Authorization": {"type": "string", "description": "`Bearer <access_token>`"},
                "Origin": {
                    "type": "string",
                    "description": "Sent by browsers; checked against SHEDA_WS_ORIGINS when set",
                },
            },
        },
        "bindingVersion": "0.1.0",
    }


def asyncapi_document(*, host: str, secure: bool) -> dict[str, Any]:
    """The document, with this server as its one server entry (the host the caller used)."""
    document = copy.deepcopy(_document())
    document["servers"] = {
        "sheda": {
            "host": host,
            "protocol": "wss" if secure else "ws",
            "description": "This server",
        }
    }
    return document
