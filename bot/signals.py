"""Wake-ups between Siaga's parts: "an event was stored", "a reply was queued", "events are done".

The work itself always travels through the database (the inbox and outbox tables), so these are
only nudges: a lost one delays work until the next poll but never loses it. In one process they
are plain function calls. On PostgreSQL they also travel over ``LISTEN``/``NOTIFY``, so a web
process (``SIAGA_ROLE=web``) wakes the worker processes at once, a worker tells the web process
that a web-chat message was answered, and instances of any role keep each other current.

Notifications are coalesced: however many events a burst stores, one ``NOTIFY`` per channel goes
out per pass of the sending task, so the cost does not grow with the message rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("bot.signals")

INBOX = "siaga_inbox"  # an inbound event was stored: dispatchers, look now
OUTBOX = "siaga_outbox"  # an outbox row was queued outside a worker (an operator): senders, look
DONE = "siaga_done"  # payload: comma-separated inbox ids that were handled (web-chat waiters)

# NOTIFY payloads must stay under 8000 bytes: ids are sent in chunks well below that.
_IDS_PER_NOTIFY = 500
# A pass waits this long after the first nudge, so a burst becomes one NOTIFY per channel, and a
# worker woken by it finds a batch rather than a single event (fewer statements per message).
COALESCE_SECONDS = 0.005


class Signals:
    """In-process wake-ups (one process runs everything, or SQLite)."""

    def __init__(self) -> None:
        """No listeners yet; the worker part registers its own with :meth:`on_inbox` etc."""
        self._inbox: list[Callable[[], None]] = []
        self._outbox: list[Callable[[], None]] = []
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}

    async def start(self) -> None:
        """Nothing to connect in one process."""

    async def close(self) -> None:
        """Nothing to disconnect in one process."""

    def on_inbox(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever an inbound event was stored (here, or anywhere on PG)."""
        self._inbox.append(callback)

    def on_outbox(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever an outbox row was queued outside a worker."""
        self._outbox.append(callback)

    def inbox_stored(self) -> None:
        """An inbound event was committed to the inbox."""
        self._fire(self._inbox)

    def outbox_queued(self) -> None:
        """An outbox row was committed by a request handler (an operator's reply)."""
        self._fire(self._outbox)

    def events_done(self, event_ids: Iterable[int]) -> None:
        """Inbox events were handled (their replies are in the outbox)."""
        self._resolve(event_ids)

    def waiter(self, event_id: int) -> asyncio.Future[None]:
        """A future resolved once the event was handled, by this process or another one."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(event_id, []).append(fut)
        fut.add_done_callback(lambda f: self._forget(event_id, f))
        return fut

    def _forget(self, event_id: int, fut: asyncio.Future[None]) -> None:
        """A waiter that gave up (timed out) must not stay registered forever."""
        waiting = self._waiters.get(event_id)
        if waiting is not None and fut in waiting:
            waiting.remove(fut)
            if not waiting:
                del self._waiters[event_id]

    def _resolve(self, event_ids: Iterable[int]) -> None:
        for event_id in event_ids:
            for fut in self._waiters.pop(event_id, []):
                if not fut.done():
                    fut.set_result(None)

    @staticmethod
    def _fire(callbacks: list[Callable[[], None]]) -> None:
        for callback in callbacks:
            callback()


class PostgresSignals(Signals):
    """Wake-ups that also reach other processes and instances, over LISTEN/NOTIFY.

    One dedicated connection listens and sends. If it breaks (a database restart), it is opened
    again; meanwhile every part still polls, so nothing waits longer than a poll interval.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        """Use one connection of ``engine`` for as long as the process runs."""
        super().__init__()
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._pg: Any = None  # the asyncpg connection under it
        self._kick = asyncio.Event()
        self._pending: set[str] = set()
        self._done_ids: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and listen, then start the task that sends coalesced notifications."""
        with contextlib.suppress(Exception):
            await self._connect()
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Send what is still queued, then stop listening and give the connection back."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._flush()
        await self._disconnect()

    def inbox_stored(self) -> None:
        """Wake local dispatchers now and the other processes' on the next send pass."""
        super().inbox_stored()
        self._queue(INBOX)

    def outbox_queued(self) -> None:
        """Wake local senders now and the other processes' on the next send pass."""
        super().outbox_queued()
        self._queue(OUTBOX)

    def events_done(self, event_ids: Iterable[int]) -> None:
        """Resolve local waiters now and tell the other processes (web chat waits there)."""
        ids = list(event_ids)
        super().events_done(ids)
        if ids:
            self._done_ids.extend(ids)
            self._queue(DONE)

    def _queue(self, channel: str) -> None:
        self._pending.add(channel)
        self._kick.set()

    async def _connect(self) -> None:
        conn = await self._engine.connect()
        try:
            raw = await conn.get_raw_connection()
            pg: Any = raw.driver_connection
            await pg.add_listener(INBOX, self._on_notify)
            await pg.add_listener(OUTBOX, self._on_notify)
            await pg.add_listener(DONE, self._on_notify)
        except BaseException:
            await conn.close()
            raise
        self._conn, self._pg = conn, pg

    async def _disconnect(self) -> None:
        conn, self._conn, self._pg = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()  # listeners are connection state: never reuse it
            with contextlib.suppress(Exception):
                await conn.close()

    def _on_notify(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        # Our own notifications come back too; waking twice or resolving twice is harmless.
        if channel == INBOX:
            self._fire(self._inbox)
        elif channel == OUTBOX:
            self._fire(self._outbox)
        elif channel == DONE:
            ids = [int(part) for part in payload.split(",") if part.isdigit()]
            self._resolve(ids)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=5.0)
            await asyncio.sleep(COALESCE_SECONDS)
            self._kick.clear()
            try:
                if self._pg is None or self._pg.is_closed():
                    await self._disconnect()
                    await self._connect()
                await self._flush()
            except Exception as exc:
                log.warning("notifications unavailable (%s); retrying", type(exc).__name__)
                await self._disconnect()
                self._kick.set()
                await asyncio.sleep(1.0)

    async def _flush(self) -> None:
        pending, self._pending = self._pending, set()
        done, self._done_ids = self._done_ids, []
        if self._pg is None:
            return
        try:
            for channel in sorted(pending - {DONE}):
                await self._pg.execute(f"NOTIFY {channel}")
            for start in range(0, len(done), _IDS_PER_NOTIFY):
                chunk = ",".join(str(i) for i in done[start : start + _IDS_PER_NOTIFY])
                await self._pg.execute("SELECT pg_notify($1, $2)", DONE, chunk)
        except BaseException:
            self._pending |= pending
            self._done_ids[:0] = done
            raise
