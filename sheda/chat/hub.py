"""The per-worker socket registry and the Redis bridge.

Every event for a user travels as one JSON text published on ``sheda:user:{id}``. Each
worker subscribes once (a pattern subscription) and hands the text to that user's local
sockets, so a frame is serialised once however many sockets receive it. Without Redis
(the embedded single worker) publishing is local delivery.

Each socket has a bounded queue and its own writer task: a client that stops reading
fills only its own queue and is closed with 4008; it never delays anyone else.

Redis is transport, not the record (messages are stored first). If a publish fails the
hub still delivers to the sockets of this worker, and the subscriber reconnects with
backoff; clients re-sync from PostgreSQL for whatever they missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol

from redis.asyncio import Redis

from sheda import metrics
from sheda.chat.frames import Frame, encode
from sheda.common import jsontext
from sheda.common.context import Runtime
from sheda.common.sockets import CLOSE_SLOW_CONSUMER

logger = logging.getLogger("sheda.chat.hub")

CHANNEL_PREFIX = "sheda:user:"
QUEUE_SIZE = 256
CLOSE_TIMEOUT = 1.0  # seconds a closing handshake may take before the connection is dropped
PUBSUB_CLOSE_SECONDS = 1.0  # closing the Redis subscription at most (see _subscribe_forever)


class WebSocketLike(Protocol):
    async def send(self, data: str) -> None: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class Socket:
    """One connected websocket of one user (a phone, a tab)."""

    def __init__(self, ws: WebSocketLike, *, user_id: int, session_id: str) -> None:
        self.id = uuid.uuid4().hex
        self.ws = ws
        self.user_id = user_id
        self.session_id = session_id
        self.closing = False
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._writer = asyncio.get_running_loop().create_task(self._write())

    def offer(self, frame: str) -> None:
        if self.closing:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            logger.info("socket %s of user %s is not reading; closing", self.id, self.user_id)
            metrics.slow_consumer_closed()
            self.close_soon(CLOSE_SLOW_CONSUMER, "slow consumer")

    async def _write(self) -> None:
        while True:
            frame = await self._queue.get()
            if frame is None:
                return
            try:
                await self.ws.send(frame)
            except Exception:  # the socket is gone; its reader will unregister it
                return
            metrics.frame_delivered()

    def close_soon(self, code: int, reason: str) -> None:
        """Close from any task without waiting (the writer may be stuck on a dead peer)."""
        if self.closing:
            return
        self.closing = True
        self._writer.cancel()
        task = asyncio.get_running_loop().create_task(self._close(code, reason))
        task.add_done_callback(_ignore_result)

    async def _close(self, code: int, reason: str) -> None:
        # The close frame goes out through the same transport buffer as everything else: a
        # peer that stopped reading never takes it, and ``close`` would wait forever. Give
        # it a moment, then drop the connection; the reader's ``finally`` unregisters it.
        try:
            await asyncio.wait_for(self.ws.close(code, reason), CLOSE_TIMEOUT)
        except Exception:  # a timeout, or a connection that is already gone
            transport = getattr(getattr(self.ws, "io_proto", None), "transport", None)
            if transport is not None:
                transport.abort()

    async def stop(self) -> None:
        self.closing = True
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._writer


def _ignore_result(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


class Hub:
    def __init__(self, redis: Redis | None) -> None:
        self._redis = redis
        self._sockets: dict[int, set[Socket]] = defaultdict(set)
        self._subscriber: asyncio.Task[None] | None = None
        self._emptied: asyncio.Event | None = None  # set when the last socket is gone
        self._closed_with: tuple[int, str] | None = None  # close_all's code: no new sockets
        self.redis_connected = redis is None

    # --- local registry ---------------------------------------------------------------

    def add(self, socket: Socket) -> None:
        self._sockets[socket.user_id].add(socket)
        if self._closed_with is not None:  # accepted just as the worker began to stop
            socket.close_soon(*self._closed_with)

    def discard(self, socket: Socket) -> None:
        sockets = self._sockets.get(socket.user_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self._sockets[socket.user_id]
        if not self._sockets and self._emptied is not None:
            self._emptied.set()

    def local_users(self) -> list[int]:
        return list(self._sockets)

    def local_sockets(self, user_id: int) -> Iterable[Socket]:
        return tuple(self._sockets.get(user_id, ()))

    def socket_count(self) -> int:
        return sum(len(sockets) for sockets in self._sockets.values())

    # --- events -----------------------------------------------------------------------
    # An envelope is {"frame": "<serialised frame>", "skip": socket id or null} for a frame,
    # or {"close": code, "sessions": [...] or null, "keep": session id or null}.

    async def send(self, user_id: int, frame: Frame | str, *, skip: str | None = None) -> None:
        """Deliver ``frame`` to every socket of ``user_id`` on every worker but ``skip``.
        Pass the frame already encoded when it goes to several users."""
        text = frame if isinstance(frame, str) else encode(frame)
        await self._publish(user_id, {"frame": text, "skip": skip})

    async def close_sessions(
        self,
        user_id: int,
        *,
        code: int,
        sessions: list[str] | None = None,
        keep: str | None = None,
    ) -> None:
        """Close the user's sockets of ``sessions`` (all when None) except ``keep``."""
        await self._publish(user_id, {"close": code, "sessions": sessions, "keep": keep})

    async def _publish(self, user_id: int, envelope: dict[str, Any]) -> None:
        if self._redis is None:
            self._dispatch(user_id, envelope)
            return
        try:
            await self._redis.publish(f"{CHANNEL_PREFIX}{user_id}", jsontext.dumps(envelope))
        except Exception as exc:
            # Redis is down: the message is stored; this worker's sockets still get it now,
            # the others after they re-sync.
            logger.warning("redis publish failed (%s); delivering on this worker only", exc)
            self._dispatch(user_id, envelope)

    def _dispatch(self, user_id: int, envelope: dict[str, Any]) -> None:
        sockets = self._sockets.get(user_id)
        if not sockets:
            return
        if "frame" in envelope:
            frame, skip = envelope["frame"], envelope.get("skip")
            for socket in tuple(sockets):
                if socket.id != skip:
                    socket.offer(frame)
            return
        code, wanted, keep = envelope["close"], envelope.get("sessions"), envelope.get("keep")
        for socket in tuple(sockets):
            if socket.session_id == keep:
                continue
            if wanted is None or socket.session_id in wanted:
                socket.close_soon(int(code), "session ended")

    # --- the Redis subscriber -----------------------------------------------------------

    def start(self) -> None:
        if self._redis is not None and self._subscriber is None:
            self._subscriber = asyncio.get_running_loop().create_task(self._subscribe_forever())

    async def close_all(self, code: int, reason: str, *, wait: float) -> None:
        """Close every socket of this worker with ``code`` and wait up to ``wait`` seconds
        for them to be gone (their readers unregister them once the close is done)."""
        self._closed_with = (code, reason)
        emptied = self._emptied = asyncio.Event()
        for sockets in list(self._sockets.values()):
            for socket in tuple(sockets):
                socket.close_soon(code, reason)
        if self._sockets:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(emptied.wait(), wait)

    async def stop(self) -> None:
        if self._subscriber is not None:
            await _cancel_for_sure(self._subscriber)
            self._subscriber = None
        for sockets in list(self._sockets.values()):
            for socket in tuple(sockets):
                socket.close_soon(1001, "server shutdown")

    async def _subscribe_forever(self) -> None:
        assert self._redis is not None
        delay = 0.2
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                if not self.redis_connected:
                    logger.info("redis subscription (re)established")
                self.redis_connected = True
                delay = 0.2
                async for message in pubsub.listen():
                    self._on_message(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.redis_connected:
                    logger.warning("redis subscription lost (%s); retrying", exc)
                self.redis_connected = False
            finally:
                # Bounded: redis-py's aclose() can wait forever for the socket to close
                # (redis/redis-py#3941), which hung a server stopped while it subscribed.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(pubsub.aclose(), PUBSUB_CLOSE_SECONDS)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _on_message(self, message: dict[str, Any]) -> None:
        if message.get("type") != "pmessage":
            return
        channel = str(message["channel"])
        try:
            user_id = int(channel.removeprefix(CHANNEL_PREFIX))
            envelope = jsontext.loads(message["data"])
        except (ValueError, TypeError):
            logger.warning("ignoring a malformed hub message on %s", channel)
            return
        self._dispatch(user_id, envelope)


def hub_of(rt: Runtime) -> Hub:
    """The runtime holds the hub as ``Sockets`` (what other domains may do with it); chat
    works with the hub itself."""
    if not isinstance(rt.hub, Hub):
        raise TypeError(f"the runtime's sockets are a {type(rt.hub).__name__}, not a Hub")
    return rt.hub


async def _cancel_for_sure(task: asyncio.Task[None]) -> None:
    """Cancel ``task`` and wait for it to end, cancelling again while it runs on. Python
    3.11's ``asyncio.wait_for`` can swallow a cancellation that arrives as its inner call
    finishes (the subscriber's bounded ``pubsub.aclose()``); the subscriber then went back
    to subscribing and a server being stopped waited for it forever."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
