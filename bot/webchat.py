"""The built-in web chat: a channel anyone can try without credentials.

``POST /api/webchat/messages`` goes through the same pipeline as every other channel (claim,
store, dispatcher, outbox) and then waits briefly for its own replies, so the answer
comes back in the same HTTP response. Later messages (an operator's reply) are picked up by the
page with ``GET /api/webchat/messages``. Each outbox row is handed to the browser exactly once.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.base import MessageIn
from bot.channels.registry import WEBCHAT
from bot.ingest import store_events
from bot.keys import SESSIONS, SIGNALS
from storage import conversations, inbox, outbox
from storage.models import OutboxMessage

CHANNEL = WEBCHAT
MAX_TEXT = 4096
REPLY_WAIT_SECONDS = 15.0
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
STATIC = Path(__file__).parent / "static"


class BadRequest(web.HTTPBadRequest):
    """400 with a JSON reason (what was wrong, never a stack trace)."""

    def __init__(self, reason: str) -> None:
        """Build the response."""
        super().__init__(text=json.dumps({"error": reason}), content_type="application/json")


def _session_id(value: object) -> str:
    if not isinstance(value, str) or not _SESSION_ID.match(value):
        raise BadRequest("session_id must be 8-64 characters of A-Z a-z 0-9 _ -")
    return value


def _render(rows: list[OutboxMessage]) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "text": row.text,
            "buttons": list(row.buttons or []),
            "from": "operator" if row.origin == "operator" else "bot",
        }
        for row in rows
    ]


async def post_message(request: web.Request) -> web.Response:
    """Accept one message from the chat page and answer with the bot's replies to it."""
    app = request.app
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    session_id = _session_id(body.get("session_id"))
    text = body.get("text", "")
    payload = body.get("payload")
    if not isinstance(text, str):
        raise BadRequest("text must be a string")
    if payload is not None and (not isinstance(payload, str) or len(payload) > 256):
        raise BadRequest("payload must be a string of at most 256 characters")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"text is longer than {MAX_TEXT} characters")
    if not text.strip() and not payload:
        raise BadRequest("text must not be empty")
    message_id = body.get("message_id")
    if message_id is not None and (
        not isinstance(message_id, str) or not _MESSAGE_ID.match(message_id)
    ):
        raise BadRequest("message_id must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    external_id = message_id or uuid.uuid4().hex
    event = MessageIn(
        dedup_key=f"{session_id}:{external_id}",
        conversation_key=session_id,
        external_id=external_id,
        text=text.strip(),
        payload=payload,
    )
    [inbox_id] = await store_events(app, CHANNEL, [event])
    if inbox_id is None:
        return web.json_response({"replies": [], "duplicate": True})
    # store_events woke the dispatchers. A local one cannot finish before our next await, and
    # another process's "done" is a notification this loop reads only when we await: the
    # waiter is registered first either way (no lost wake-up).
    if not await _wait_until_handled(app, inbox_id):
        return web.json_response({"replies": [], "pending": True}, status=202)
    async with app[SESSIONS]() as session, session.begin():
        conversation = await conversations.find_conversation(session, CHANNEL, session_id)
        rows = (
            await outbox.fetch_pulled(
                session, conversation.id, channel=CHANNEL, source_prefix=f"{inbox_id}:"
            )
            if conversation
            else []
        )
    return web.json_response({"replies": _render(rows)})


async def _wait_until_handled(app: web.Application, inbox_id: int) -> bool:
    """Wait for the event's turn to commit; False after ``REPLY_WAIT_SECONDS``.

    A "done" signal is a nudge, not proof: it may come early (another instance, a batch that
    failed and is retried) or for an event that was left pending. So the inbox row decides, and
    a new waiter is registered before each look, so the real "done" cannot slip in between.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_WAIT_SECONDS
    waiter = app[SIGNALS].waiter(inbox_id)
    while True:
        try:
            await asyncio.wait_for(waiter, timeout=max(0.0, deadline - loop.time()))
        except TimeoutError:
            return False
        waiter = app[SIGNALS].waiter(inbox_id)
        async with app[SESSIONS]() as session:
            pending = await inbox.is_pending(session, inbox_id)
        if not pending:
            waiter.cancel()
            return True


async def get_messages(request: web.Request) -> web.Response:
    """Messages for this chat that were not delivered yet (e.g. an operator's reply)."""
    session_id = _session_id(request.query.get("session_id"))
    async with request.app[SESSIONS]() as session, session.begin():
        conversation = await conversations.find_conversation(session, CHANNEL, session_id)
        rows = (
            await outbox.fetch_pulled(session, conversation.id, channel=CHANNEL)
            if conversation
            else []
        )
    return web.json_response({"messages": _render(rows)})


async def page(_request: web.Request) -> web.FileResponse:
    """The chat page."""
    return web.FileResponse(STATIC / "webchat.html")


def setup_webchat(app: web.Application) -> None:
    """Register the web chat routes."""
    app.router.add_get("/", page)
    app.router.add_post("/api/webchat/messages", post_message)
    app.router.add_get("/api/webchat/messages", get_messages)
