"""Count the SQL statements PostgreSQL actually receives: a TCP proxy on loopback between the
server and PostgreSQL that reads the frontend side of the wire protocol.

Each simple query ('Q', one round trip, as asyncpg's pool reset is) and each Execute of a
prepared statement ('E') counts as one statement; its SQL text is kept (from 'Q', or from
the 'P'arse that the 'B'ind names) so a failing assertion can say what was sent. The proxy
answers a client's SSLRequest with 'N' itself, so the bytes it reads are never encrypted.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


@dataclass
class Wire:
    upstream_host: str
    upstream_port: int
    statements: list[str] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        """The statements sent while the block runs."""
        start = len(self.statements)
        sent: list[str] = []
        try:
            yield sent
        finally:
            # A mail stored or marked sent by an earlier request's background task (the
            # sign-up's) is not the counted request's work.
            sent.extend(s for s in self.statements[start:] if '"outgoing_mail"' not in s)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            # The untyped start: an SSLRequest (refused here), then the StartupMessage.
            while True:
                head = await client_r.readexactly(8)
                length, code = struct.unpack("!ii", head)
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    client_w.write(b"N")
                    await client_w.drain()
                    continue
                startup = head + await client_r.readexactly(length - 8)
                break
            server_r, server_w = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
            server_w.write(startup)
            back = asyncio.get_running_loop().create_task(_pipe(server_r, client_w))
            try:
                await self._frontend(client_r, server_w)
            finally:
                back.cancel()
                server_w.close()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            client_w.close()
            self._tasks.discard(task)

    async def _frontend(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        prepared: dict[bytes, str] = {}
        bound = ""
        while True:
            kind = await reader.readexactly(1)
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            body = await reader.readexactly(length - 4)
            if kind == b"Q":
                self.statements.append(body.rstrip(b"\0").decode(errors="replace"))
            elif kind == b"P":
                name, _, rest = body.partition(b"\0")
                prepared[name] = rest.partition(b"\0")[0].decode(errors="replace")
            elif kind == b"B":
                _portal, _, rest = body.partition(b"\0")
                bound = prepared.get(rest.partition(b"\0")[0], "?")
            elif kind == b"E":
                self.statements.append(bound)
            writer.write(kind + struct.pack("!i", length) + body)
            await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, asyncio.CancelledError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()
