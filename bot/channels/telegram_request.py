"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

PTB stays the wire library: it builds every Bot API call, checks the answer and turns errors into
its exceptions (``RetryAfter``, ``Forbidden``…). Only the bytes on the wire go through this class,
which PTB documents as the extension point (``telegram.request.BaseRequest``). aiohttp is already
Siaga's HTTP stack; under load httpx/httpcore/anyio cost about as much CPU per send as the whole
database work of a turn (measured with ``bench/telegram_webhook.py``), aiohttp a fraction of it.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue  # as PTB's own HTTPXRequest does
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` with one aiohttp session (its own connection pool)."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        """Remember the pool size and default timeouts; the session opens in :meth:`initialize`.

        The defaults are PTB's own (``HTTPXRequest``) so behaviour does not change with the
        transport.
        """
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._write_timeout = write_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to long-polling timeouts)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (idempotent, as PTB expects)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Close the session (idempotent)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; network failures become PTB's ``NetworkError``/``TimedOut``."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        else:
            write = write_timeout
        # aiohttp has no separate write timeout: a request may take connect + write + read.
        parts = [t for t in (connect, write, read) if t is not None]
        total = sum(parts) if len(parts) == 3 else None
        timeout = aiohttp.ClientTimeout(total=total, connect=pool, sock_connect=connect)
        data: aiohttp.FormData | dict[str, str] | None = None
        if files:
            form = aiohttp.FormData()
            for name, value in (request_data.json_parameters if request_data else {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        elif request_data is not None:
            data = request_data.json_parameters  # form-encoded, JSON values: as PTB's httpx
        try:
            async with self._session.request(
                method, url, data=data, headers={"User-Agent": self.USER_AGENT}, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc
