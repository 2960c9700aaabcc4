"""A TCP proxy on loopback in front of the PostgreSQL server, owned by one test: the server's restart or a network
loss, for that test's connections only (the shared server and everyone else's connections are untouched).

`Proxy.stop` resets every connection through it and closes its port (new connections are refused, as a server
that is down refuses them); `Proxy.start` listens again on the same port (the server is back).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit


class Proxy:
    """Forwards 127.0.0.1:`port` to `upstream` (host, port) until `stop`; `start` again to resume."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self.connections = 0
        """Connections accepted since the proxy was made (each a new connection the client opened)."""
        self.resets = 0
        """Open connections reset by `stop`."""
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @classmethod
    def in_front_of(cls, url: str) -> Proxy:
        """A proxy (not started) in front of the server of the PostgreSQL `url`."""
        parts = urlsplit(url)
        return cls((parts.hostname or "127.0.0.1", parts.port or 5432))

    @property
    def running(self) -> bool:
        """Whether the port is open."""
        return self._server is not None

    async def start(self) -> None:
        """Listen (again, on the same port once it has one)."""
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the port and reset every connection through it, on both sides."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        self.resets += len(self._writers) // 2  # a client's side and the server's side each
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await server.wait_closed()

    def url(self, url: str) -> str:
        """`url` (a PostgreSQL URL) with its host and port replaced by the proxy's."""
        parts = urlsplit(url)
        user = parts.netloc.rsplit("@", 1)
        netloc = (user[0] + "@" if len(user) == 2 else "") + f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        if self._server is None:  # stopped while connecting upstream
            writer.transport.abort()
            up_writer.transport.abort()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()
                self._writers.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
