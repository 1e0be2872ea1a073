"""Bad frames get an error frame and the socket stays open; limits (API.md "WebSocket
protocol"): 20 messages a second per socket, frames up to 64 KiB (bigger → close 1009)."""

from __future__ import annotations

import asyncio
import json

import pytest

from sheda.chat.models import Message
from tests.chat.helpers import (
    ERROR_KEYS,
    closed_with,
    expect,
    open_ws,
    person,
    ping_pong,
    recv,
    send_json,
    send_ws,
)

NOT_FRAMES = ["not json", "[1, 2]", '"a string"', "42", "null", "{"]


@pytest.mark.parametrize("raw", NOT_FRAMES)
async def test_not_a_json_object(client, server, raw):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await ws.send(raw)
        error = await expect(ws, "error")
        await ping_pong(ws)
    assert set(error) == ERROR_KEYS
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["detail"], str) and error["detail"]
    assert error["client_id"] is None


async def test_binary_frame_is_an_error_frame(client, server):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await ws.send(b"\xff\xfe\x00binary")
        error = await expect(ws, "error")
        await ping_pong(ws)
    assert set(error) == ERROR_KEYS


async def test_unknown_type(client, server):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await send_json(ws, {"type": "dance", "client_id": "d-1"})
        error = await expect(ws, "error")
        await ping_pong(ws)
    assert set(error) == ERROR_KEYS
    assert isinstance(error["code"], str) and error["code"]
    assert error["client_id"] == "d-1"


@pytest.mark.parametrize(
    "change",
    [
        {"message": ""},
        {"message": "x" * 4001},
        {"receiver_id": None},
        {"receiver_id": "bob"},
        {"message": None},
        {"property_id": "flat"},
    ],
    ids=["empty", "4001-chars", "no-receiver", "receiver-not-int", "no-message", "bad-property"],
)
async def test_invalid_message_is_an_error_frame(client, server, change):
    me = await person(client, "me@example.com")
    bob = await person(client, "bob@example.com")
    frame = {"type": "message", "receiver_id": bob.id, "message": "hi", "client_id": "m-1"}
    frame.update(change)
    frame = {key: value for key, value in frame.items() if value is not None}
    async with open_ws(server, me.token) as ws:
        await send_json(ws, frame)
        error = await expect(ws, "error")
        await ping_pong(ws)
        # and the socket still sends
        ack = await send_ws(ws, bob, "x" * 4000, client_id="m-2")
    assert set(error) == ERROR_KEYS
    assert error["code"] == "validation_error"
    assert error["client_id"] == "m-1"
    assert [m.client_id for m in await Message.all()] == ["m-2"]
    assert ack["seq"] == 1


async def test_message_to_self_is_an_error_frame(client, server):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await send_json(ws, {"receiver_id": me.id, "message": "note to self"})
        error = await expect(ws, "error")
        await ping_pong(ws)
    assert error["code"] == "validation_error"
    assert not await Message.exists()


@pytest.mark.parametrize("client_id", ["", "k" * 65, 17, ["k"]], ids=["empty", "65", "int", "list"])
async def test_error_frame_does_not_echo_an_invalid_client_id(client, server, client_id):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await send_json(ws, {"receiver_id": me.id + 1, "message": "", "client_id": client_id})
        error = await expect(ws, "error")
    assert error["client_id"] is None


async def test_bad_typing_read_and_sync_frames(client, server):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        for frame in (
            {"type": "typing"},
            {"type": "typing", "receiver_id": "x"},
            {"type": "read", "conversation_id": 1},
            {"type": "read", "conversation_id": 1, "up_to_seq": -1},
            {"type": "sync", "conversations": [1, 2]},
            {"type": "sync", "conversations": {"1": "x"}},
        ):
            await send_json(ws, frame)
            error = await expect(ws, "error")
            assert set(error) == ERROR_KEYS, frame
            assert error["code"] == "validation_error", (frame, error)
        await ping_pong(ws)


async def test_more_than_20_messages_a_second_are_rate_limited(client, server):
    me = await person(client, "me@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, me.token) as ws:
        for n in range(40):  # as fast as the socket takes them
            await send_json(ws, {"receiver_id": bob.id, "message": f"m{n}", "client_id": f"r{n}"})
        replies = [await recv(ws) for _ in range(40)]
        acks = [r for r in replies if r["type"] == "ack"]
        limited = [r for r in replies if r["type"] == "error"]

        assert len(acks) + len(limited) == 40, replies
        assert len(acks) <= 20
        assert limited, "no frame was rate limited"
        assert {r["code"] for r in limited} == {"rate_limited"}
        assert all(set(r) == ERROR_KEYS for r in limited)
        # each refusal names the frame it refused
        assert {r["client_id"] for r in limited} | {a["client_id"] for a in acks} == {
            f"r{n}" for n in range(40)
        }
        assert await Message.filter(sender_id=me.id).count() == len(acks)

        # the limit is per second: a second later the socket may send again
        await asyncio.sleep(1.1)
        ack = await send_ws(ws, bob, "later")
        assert ack["seq"] == len(acks) + 1


async def test_rate_limit_is_per_socket(client, server):
    me = await person(client, "me@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, me.token) as first, open_ws(server, me.token) as second:
        for n in range(20):
            await send_json(first, {"receiver_id": bob.id, "message": f"a{n}"})
        for n in range(20):
            await send_json(second, {"receiver_id": bob.id, "message": f"b{n}"})
        # each socket: its own 20 acks and copies of the other's 20 messages
        first_replies = [await recv(first) for _ in range(40)]
        second_replies = [await recv(second) for _ in range(40)]
    assert sorted(r["type"] for r in first_replies) == ["ack"] * 20 + ["message"] * 20
    assert sorted(r["type"] for r in second_replies) == ["ack"] * 20 + ["message"] * 20
    assert await Message.filter(sender_id=me.id).count() == 40


async def test_frame_over_64_kib_closes_with_1009(client, server):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await ws.send(json.dumps({"type": "ping", "pad": "x" * (64 * 1024)}))
        assert await closed_with(ws) == 1009


async def test_frame_just_under_64_kib_is_handled(client, server):
    me = await person(client, "me@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, me.token) as ws:
        frame = {"receiver_id": bob.id, "message": "", "client_id": "big"}
        frame["message"] = "x" * (64 * 1024 - len(json.dumps(frame)) - 16)
        await send_json(ws, frame)
        error = await expect(ws, "error")  # too long for a message, not too big for a frame
        await ping_pong(ws)
    assert error["code"] == "validation_error"
    assert error["client_id"] == "big"


@pytest.mark.parametrize(
    "frame",
    [
        {"type": []},
        {"type": {}},
        {"type": 7},
        {"type": None},
        {"type": True},
        {"type": "sync", "conversations": {"\u00b2": 0}},  # a digit that int() refuses
        {"type": "sync", "conversations": {"-1": 0}},
        {"type": "sync", "conversations": {"99999999999999999999": 0}},
        {"type": "sync", "conversations": {"1": -1}},
        {"type": "sync", "conversations": []},
        {"type": "read", "conversation_id": 2**63, "up_to_seq": 1},
        {"type": "typing", "receiver_id": 2**70},
    ],
    ids=lambda frame: json.dumps(frame),
)
async def test_frames_of_the_wrong_shape_are_error_frames(client, server, caplog, frame):
    """These used to close the socket (1000) after an unhandled error whose log line
    carried the socket's URL, ?token= included."""
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await send_json(ws, {**frame, "client_id": "w-1"})
        error = await expect(ws, "error")
        await ping_pong(ws)  # still open
    assert set(error) == ERROR_KEYS
    assert error["code"] in {"bad_frame", "validation_error"}, error
    assert error["client_id"] == "w-1"
    assert not [r for r in caplog.records if r.levelno >= 40], "nothing is an error in the log"
    assert all(me.token not in r.getMessage() for r in caplog.records)


async def test_an_unknown_type_names_the_valid_ones(client, server):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await send_json(ws, {"type": "bogus"})
        error = await expect(ws, "error")
    for kind in ("message", "typing", "read", "sync", "ping"):
        assert kind in error["detail"], error


async def test_a_fault_in_one_frame_is_an_error_frame_and_the_socket_stays(
    client, server, caplog, monkeypatch
):
    from sheda.chat import service

    async def broken(**_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "send", broken)
    me = await person(client, "me@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, me.token) as ws:
        await send_json(ws, {"receiver_id": bob.id, "message": "hi", "client_id": "f-1"})
        error = await expect(ws, "error")
        await ping_pong(ws)
    assert error["code"] == "internal_error" and error["client_id"] == "f-1"
    failures = [r for r in caplog.records if r.levelno >= 40]
    assert failures and "a bug" in (failures[0].exc_text or str(failures[0].exc_info))
    assert all(me.token not in r.getMessage() for r in caplog.records)


async def test_a_socket_handler_that_fails_logs_no_token(client, server, caplog, monkeypatch):
    """Sanic logs a websocket handler's error itself, with the URL it was opened on."""
    from sheda.chat import routes

    def broken(*_: object) -> None:
        raise RuntimeError("a bug before the first frame")

    monkeypatch.setattr(routes, "FrameHandler", broken)
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        await closed_with(ws)
    failures = [r for r in caplog.records if r.levelno >= 40]
    assert failures, "the failure is logged"
    for record in caplog.records:
        assert me.token not in record.getMessage()
        assert "token=" not in record.getMessage()
