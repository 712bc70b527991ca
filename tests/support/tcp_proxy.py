"""A TCP proxy in front of PostgreSQL that can make the database unreachable.

Used by tests and by ``bench/faults.py`` to take the database away from a running Siaga (every
open connection cut, new ones refused) and give it back, without touching the real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proxy:
    """Forwards a local port to PostgreSQL; :meth:`outage` drops and refuses connections."""

    def __init__(self, target_port: int = 5432) -> None:
        """Forward a new local port to ``target_port``; nothing listens until :meth:`start`."""
        self.port = free_port()
        self._target = target_port
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen (again) on the proxy's port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def outage(self, seconds: float) -> None:
        """The database is unreachable for ``seconds``."""
        await self.stop()
        await asyncio.sleep(seconds)
        await self.start()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        except OSError:
            writer.transport.abort()
            return
        self._pipes.update((writer, up_writer))

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._pipes.difference_update((writer, up_writer))
