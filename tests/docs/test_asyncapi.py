"""/docs/asyncapi.json and /docs/socket: the chat socket's protocol, generated from the frame
models, valid AsyncAPI 3.0, and true to what the server does (every frame the suite
receives is also checked against it: tests/frames.py)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from tests.chat.helpers import expect, open_ws, person, send_json
from tests.frames import check_server_frame
from tests.support import LiveServer

VENDORED = Path(__file__).resolve().parent.parent / "vendor" / "asyncapi-3.0.0.schema.json"
# API.md, "WebSocket protocol" and "Chat": what the contract says the socket carries.
CLIENT_TYPES = {"message", "typing", "read", "sync", "ping"}
SERVER_TYPES = {"message", "ack", "synced", "typing", "read", "notification", "pong", "error"}
CLOSE_CODES = {4001, 4003, 4008, 1009, 1001}


@pytest.fixture(scope="module")
def asyncapi_schema() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(VENDORED.read_text()))


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/docs/asyncapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


async def test_the_document_is_valid_asyncapi_3(
    client: httpx.AsyncClient, asyncapi_schema: jsonschema.Draft7Validator
) -> None:
    document = await _document(client)
    assert document["asyncapi"] == "3.0.0"
    errors = [f"{list(e.path)}: {e.message}" for e in asyncapi_schema.iter_errors(document)]
    assert errors == []
    # The schema is strict enough to notice a broken document (the check is not vacuous).
    broken = copy.deepcopy(document)
    broken["operations"]["receive_ping"]["action"] = "answer"
    assert list(asyncapi_schema.iter_errors(broken))


async def test_the_server_entry_is_the_host_the_client_used(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    document = await _document(client)
    (entry,) = document["servers"].values()
    assert entry["protocol"] == "ws"
    assert f"http://{entry['host']}" == server.url
    assert document["channels"]["chat"]["address"] == "/api/v1/chat/ws"


async def test_every_frame_of_the_contract_is_described(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    messages = document["components"]["messages"]
    assert {m["name"] for k, m in messages.items() if k.startswith("client.")} == CLIENT_TYPES
    assert {m["name"] for k, m in messages.items() if k.startswith("server.")} == SERVER_TYPES
    actions = {(op["action"], op["messages"][0]["$ref"]) for op in document["operations"].values()}
    for name in CLIENT_TYPES:
        assert ("receive", f"#/channels/chat/messages/client.{name}") in actions
    for name in SERVER_TYPES:
        assert ("send", f"#/channels/chat/messages/server.{name}") in actions
    # How to connect: the three ways of API.md.
    binding = document["channels"]["chat"]["bindings"]["ws"]
    assert {"token", "ticket"} <= set(binding["query"]["properties"])
    assert "Sec-WebSocket-Protocol" in binding["headers"]["properties"]


async def test_close_codes_say_what_a_client_should_do(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    codes = {entry["code"]: entry for entry in document["x-close-codes"]}
    assert set(codes) >= CLOSE_CODES
    for entry in codes.values():
        assert entry["meaning"] and entry["client"]
    description = document["info"]["description"]
    for code in CLOSE_CODES:
        assert f"`{code}`" in description
    assert "20 messages a second" in description and "64 KiB" in description


def _client_validator(document: dict[str, Any], name: str) -> jsonschema.Draft7Validator:
    schema = {
        "$ref": f"#/components/messages/client.{name}/payload",
        "components": document["components"],
    }
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize(
    ("name", "frame", "valid"),
    [
        # The original clients' message, with no type, is a message.
        ("message", {"receiver_id": 2, "message": "Hello there!"}, True),
        ("message", {"type": "message", "receiver_id": 2, "message": "hi", "client_id": "k"}, True),
        ("message", {"type": "message", "receiver_id": 2}, False),
        ("message", {"receiver_id": 2, "message": ""}, False),
        ("read", {"type": "read", "conversation_id": 1, "up_to_seq": 3}, True),
        ("read", {"type": "read", "conversation_id": 1}, False),  # up_to_seq is required
        ("sync", {"type": "sync", "conversations": {"12": 4}}, True),
        ("sync", {"type": "sync", "conversations": {"abc": 4}}, False),
        ("sync", {"conversations": {}}, False),  # only a message may leave out its type
        ("typing", {"type": "typing", "receiver_id": 2}, True),
        ("ping", {"type": "ping"}, True),
    ],
)
async def test_client_frames_are_described_as_the_socket_reads_them(
    client: httpx.AsyncClient, name: str, frame: dict[str, Any], valid: bool
) -> None:
    document = await _document(client)
    errors = list(_client_validator(document, name).iter_errors(frame))
    assert (not errors) is valid, errors


async def test_the_frame_check_refuses_what_the_document_does_not_allow() -> None:
    # tests/frames.py checks every frame the suite receives; it must be able to fail.
    check_server_frame({"type": "pong"})
    for bad in (
        {"type": "pong", "undocumented": True},
        {"type": "ack", "message_id": 1},
        {"type": "typing", "sender_id": "1", "conversation_id": 2},
        {"type": "notification", "id": 1, "event": "inquiry.created", "created_at": "x",
         "data": {"appointment_id": 1, "property_id": 2, "summary": "s"}},
        {"type": "bogus"},
    ):
        with pytest.raises(AssertionError):
            check_server_frame(bad)


async def test_an_unknown_frame_type_lists_the_documented_ones(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    document = await _document(client)
    documented = [m["name"] for k, m in document["components"]["messages"].items()
                  if k.startswith("client.")]
    ada = await person(client, "ada@example.com")
    async with open_ws(server, ada.token) as ws:
        await send_json(ws, {"type": "bogus"})
        error = await expect(ws, "error")
    assert error["code"] == "bad_frame"
    listed = error["detail"].rsplit("one of: ", 1)[1].split(", ")
    assert sorted(listed) == sorted(documented)


async def test_notification_events_are_an_enum_with_a_data_schema_each(
    client: httpx.AsyncClient,
) -> None:
    document = await _document(client)
    schemas = document["components"]["schemas"]
    payload = document["components"]["messages"]["server.notification"]["payload"]
    events: dict[str, str] = {}
    for variant in payload["oneOf"]:
        frame = schemas[variant["$ref"].rsplit("/", 1)[1]]
        data = frame["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        event = frame["properties"]["event"]
        for name in event.get("enum", [event.get("const")]):
            events[name] = data
    # API.md, "WebSocket protocol": the events and the ids each one's data holds.
    assert set(events) == {
        "appointment.requested", "appointment.confirmed", "appointment.rejected",
        "appointment.canceled", "appointment.completed", "contract.created",
        "contract.payment_submitted", "contract.active", "contract.declined",
        "contract.canceled", "contract.expired", "inquiry.created",
    }
    ids = {
        "appointment": {"appointment_id", "property_id", "summary"},
        "contract": {"contract_id", "property_id", "appointment_id", "summary"},
        "inquiry": {"inquiry_id", "property_id", "summary"},
    }
    for event, data in events.items():
        assert set(schemas[data]["required"]) == ids[event.split(".")[0]], event


async def test_socket_page_is_readable_offline(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs/socket")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert not re.search(r"""(src|href)\s*=\s*["']https?://""", text), "loads from the web"
    for name in CLIENT_TYPES | SERVER_TYPES:
        assert f"<code>{name}</code>" in text, name
    for code in CLOSE_CODES:
        assert f"<code>{code}</code>" in text
    for key in ("up_to_seq", "conversations", "sender_info", "client_id", "inquiry_id"):
        assert f"<code>{key}</code>" in text, key
    css = await client.get("/docs/assets/socket.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
