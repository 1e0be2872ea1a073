"""A socket that stops reading (API.md "WebSocket protocol", DESIGN.md "The real-time hub"):
its own bounded queue fills and it is closed with 4008, while the other receivers get every
message.

The frozen client never calls recv: websockets stops reading from the transport once one
frame is queued (max_queue=1) and its OS receive buffer is shrunk, so the server's writes
back up into the kernel buffers, then into the socket's queue. Each message is 4000 control
characters, which every JSON encoder must escape (``\u0001``: about 24 KB of JSON), so a
few hundred fill every buffer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket

import pytest
from websockets.exceptions import ConnectionClosed

from tests.chat.helpers import WAIT, open_ws, person, ping_pong, send_rest, wait_until

COUNT = 800  # enough to fill the kernel buffers (a few MB) and the socket's queue
BATCH = 8  # REST sends in flight at once
TEXT = "\x01" * 4000  # the longest message; 6 bytes a character once escaped


async def frozen_ws(server, token: str):
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", server.port))
    return await open_ws(server, token, sock=raw, max_queue=1, ping_interval=None)


async def collect(ws, into: list[dict]) -> None:
    try:
        async for raw in ws:
            into.append(json.loads(raw))
    except ConnectionClosed:
        pass


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def given_up(hub, user) -> bool:
    """The server has started closing every socket of ``user`` (stops the flood early)."""
    sockets = list(hub.local_sockets(user.id))
    return bool(sockets) and all(getattr(s, "closing", False) for s in sockets)


async def flood(client, hub, sender, frozen, normal) -> list[int]:
    """Up to COUNT messages to each of the two users, until the server gives up on the frozen
    one's socket; the ids stored for ``normal``."""
    to_normal: list[int] = []
    for start in range(0, COUNT, BATCH // 2):
        if given_up(hub, frozen):
            break
        n = min(BATCH // 2, COUNT - start)
        responses = await asyncio.gather(
            *(send_rest(client, sender, frozen, TEXT) for _ in range(n)),
            *(send_rest(client, sender, normal, TEXT) for _ in range(n)),
        )
        assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
        to_normal += [r.json()["id"] for r in responses[n:]]
    return to_normal


@pytest.fixture
async def three(client):
    return (
        await person(client, "sender@example.com"),
        await person(client, "frozen@example.com"),
        await person(client, "normal@example.com"),
    )


async def test_frozen_reader_is_closed_with_4008_and_others_get_everything(client, server, three):
    sender, frozen, normal = three
    hub = server.app.ctx.runtime.hub
    stuck = await frozen_ws(server, frozen.token)
    received: list[dict] = []
    try:
        async with open_ws(server, normal.token) as live:
            reader = asyncio.create_task(collect(live, received))
            try:
                sent_ids = await flood(client, hub, sender, frozen, normal)
                assert await wait_until(lambda: len(received) >= len(sent_ids)), len(received)
            finally:
                await stop(reader)
            # the normal receiver got every message once (concurrent sends may arrive in any
            # order), and is still open
            assert sorted(f["id"] for f in received) == sorted(sent_ids)
            assert sorted(f["seq"] for f in received) == list(range(1, len(sent_ids) + 1))
            await ping_pong(live)

            # the frozen client reads again: what was in the pipes, then the 4008 close
            read = 0
            with pytest.raises(ConnectionClosed):
                while True:
                    await asyncio.wait_for(stuck.recv(), WAIT)
                    read += 1
            assert stuck.close_code == 4008
            assert read < len(sent_ids)  # the queued frames were dropped, not delivered late
            assert await wait_until(lambda: not list(hub.local_sockets(frozen.id)))
            assert list(hub.local_sockets(normal.id))  # only the slow socket was dropped
    finally:
        stuck.transport.abort()


async def test_frozen_socket_leaves_the_hub_while_still_frozen(client, server, three):
    sender, frozen, normal = three
    hub = server.app.ctx.runtime.hub
    stuck = await frozen_ws(server, frozen.token)
    try:
        async with open_ws(server, normal.token) as live:
            reader = asyncio.create_task(collect(live, []))
            try:
                await flood(client, hub, sender, frozen, normal)
            finally:
                await stop(reader)
            # the client never reads; the server must still let go of the socket
            assert await wait_until(lambda: not list(hub.local_sockets(frozen.id)), 2 * WAIT)
    finally:
        stuck.transport.abort()
