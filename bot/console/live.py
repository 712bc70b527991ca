"""Live updates for the console over server-sent events.

One poller per instance reads the database every half second (``storage.changes.changes_since``)
and fans the changes out to every open console of that instance. Polling the database instead of
an in-process bus is deliberate: a case opened by another instance (several instances behind a
load balancer on PostgreSQL) shows up just the same, within about a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.changes import Cursor, changes_since, current_cursor

log = logging.getLogger("bot.console.live")

POLL_SECONDS = 0.5
# Case changes not worth waking every open console for.
QUIET_ACTIONS = frozenset({"viewed", "exported", "dashboard_viewed"})
HEARTBEAT_SECONDS = 15.0


class LiveHub:
    """Polls for changes while at least one console listens, and hands them to each listener."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Nothing runs until the first listener subscribes."""
        self._sessions = sessions
        self._listeners: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def subscribe(self) -> asyncio.Queue[dict[str, Any] | None]:
        """A queue of changes (None means the server is shutting down)."""
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=1000)
        self._listeners.add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        """Stop delivering to ``queue`` (the browser went away)."""
        self._listeners.discard(queue)

    async def close(self) -> None:
        """Tell every listener to finish, and stop polling."""
        self._closed = True
        for queue in list(self._listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        cursor: Cursor | None = None
        while self._listeners and not self._closed:
            try:
                async with self._sessions() as session:
                    if cursor is None:
                        cursor = await current_cursor(session)
                    changes = await changes_since(session, cursor)
            except Exception:  # the database blinked: keep the consoles connected, retry
                log.warning("live update poll failed", exc_info=True)
                changes = []
            for change in changes:
                if change.get("action") in QUIET_ACTIONS:
                    continue
                for queue in list(self._listeners):
                    try:
                        queue.put_nowait(change)
                    except asyncio.QueueFull:
                        # A browser that stopped reading: drop its backlog and tell it to reload
                        # everything once it reads again ("hello" makes the pages refetch).
                        while not queue.empty():
                            queue.get_nowait()
                        queue.put_nowait({"type": "hello"})
            await asyncio.sleep(POLL_SECONDS)


HUB = web.AppKey("console_live_hub", LiveHub)


async def stream(request: web.Request, hub: LiveHub) -> web.StreamResponse:
    """Stream changes to one browser as server-sent events, until it leaves or the server stops."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx would otherwise hold events back
        }
    )
    await response.prepare(request)
    queue = hub.subscribe()
    try:
        await response.write(b"retry: 2000\nevent: hello\ndata: {}\n\n")
        while True:
            try:
                change = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if change is None:
                break
            payload = json.dumps(change, separators=(",", ":"))
            await response.write(f"event: {change['type']}\ndata: {payload}\n\n".encode())
    except ConnectionResetError:  # the browser closed the tab
        pass
    finally:
        hub.unsubscribe(queue)
    return response
