"""The built-in web chat: a channel anyone can try without credentials.

``POST /api/webchat/messages`` goes through the same pipeline as every other channel (claim,
store, dispatcher, outbox) and then waits briefly for its own replies, so the answer
comes back in the same HTTP response. Later messages (an operator's reply) are picked up by the
page with ``GET /api/webchat/messages?after=<the last outbox id it has>``. Reading never takes
anything away: the session id is a bearer token, and a second reader (another tab, or someone
who learnt the id) must not consume the person's replies (issue 14). A row's first read still
records it as delivered (``fetched``) for the console.

The page (``static/webchat.html``, ``.js``, ``.css``) gives every message a ``message_id`` when it
is typed and keeps it in the browser until the server answered 200 or 202, resending with the
same id: the inbox's unique ``(channel, dedup_key)`` turns a resend into
``{"replies": [], "duplicate": true}``. ``GET /api/webchat/history`` rebuilds the conversation
after a reload (or after a response that was lost on the way) from the message log; it only
reads.

Abuse limits (``bot.ratelimit``, docs/abuse.md): messages per address and per session, new
sessions per address, reads per address and session; a 429 carries ``Retry-After`` and the page
resends the same message later. The body must be ``application/json`` (415 otherwise: a
``text/plain`` POST is what any other site can send without a preflight), must arrive within
``SIAGA_BODY_READ_SECONDS``, and hostile JSON (deep nesting, huge numbers) gets a 400.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import MessageIn
from bot.channels.registry import WEBCHAT
from bot.ingest import store_events
from bot.keys import LIMITS, SESSIONS, SETTINGS, SIGNALS
from bot.webhooks import read_body, unsupported_type
from flows.router import welcome_reply
from storage import conversations, inbox
from storage.models import PENDING, InboxEvent, Message, OutboxMessage, utcnow

CHANNEL = WEBCHAT
MAX_TEXT = 4096
REPLY_WAIT_SECONDS = 15.0
HISTORY_LIMIT = 300  # the most recent messages a reload shows
READ_LIMIT = 100  # outbox rows one poll returns (the page asks again after the last one)
MAX_DIGITS = 64  # longest number accepted in a body (none is expected at all)
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
STATIC = Path(__file__).parent / "static"
# The page loads its script and style from here only, and shows every message as text: the
# policy limits what a message containing HTML could do on top of that (nothing inline runs).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated (ETag/Last-Modified): a fix reaches every phone
}
ASSETS = {"webchat.js": "text/javascript", "webchat.css": "text/css"}


class BadRequest(web.HTTPBadRequest):
    """400 with a JSON reason (what was wrong, never a stack trace) and machine-readable facts."""

    def __init__(self, reason: str, **details: Any) -> None:
        """Build the response: ``{"error": reason, **details}``."""
        super().__init__(
            text=json.dumps({"error": reason, **details}), content_type="application/json"
        )


def _session_id(value: object) -> str:
    if not isinstance(value, str) or not _SESSION_ID.match(value):
        raise BadRequest("session_id must be 8-64 characters of A-Z a-z 0-9 _ -")
    return value


def _iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` (the page shows it in the person's own time zone)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _render(rows: list[OutboxMessage]) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "text": row.text,
            "buttons": list(row.buttons or []),
            "from": "operator" if row.origin == "operator" else "bot",
            "created_at": _iso(row.created_at),
        }
        for row in rows
    ]


def _number(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise ValueError("number too long")
    return int(text)


async def _json_body(request: web.Request) -> dict[str, Any]:
    """The JSON object of the request, or a 4xx with the reason (never a 500)."""
    if request.content_type != "application/json":
        raise unsupported_type("application/json")
    data = await read_body(request, request.app[SETTINGS])
    try:
        body = json.loads(data, parse_int=_number)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("body must be JSON") from None
    except RecursionError:
        raise BadRequest("body nests too deeply") from None
    except ValueError:  # parse_int above, or Python's own limit on digits
        raise BadRequest(f"a number in the body is longer than {MAX_DIGITS} digits") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


async def post_message(request: web.Request) -> web.Response:
    """Accept one message from the chat page and answer with the bot's replies to it."""
    app = request.app
    limits = app[LIMITS]
    address = limits.check_webchat_address(request)
    body = await _json_body(request)
    session_id = _session_id(body.get("session_id"))
    text = body.get("text", "")
    payload = body.get("payload")
    if not isinstance(text, str):
        raise BadRequest("text must be a string")
    if payload is not None and (not isinstance(payload, str) or len(payload) > 256):
        raise BadRequest("payload must be a string of at most 256 characters")
    if len(text) > MAX_TEXT:
        raise BadRequest(
            f"text is {len(text)} characters long, longer than {MAX_TEXT}: "
            f"shorten it by {len(text) - MAX_TEXT} characters",
            code="too_long",
            length=len(text),
            max_length=MAX_TEXT,
        )
    if not text.strip() and not payload:
        raise BadRequest("text must not be empty")
    message_id = body.get("message_id")
    if message_id is not None and (
        not isinstance(message_id, str) or not _MESSAGE_ID.match(message_id)
    ):
        raise BadRequest("message_id must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    client = await limits.check_webchat_session(address, session_id)
    external_id = message_id or uuid.uuid4().hex
    event = MessageIn(
        dedup_key=f"{session_id}:{external_id}",
        conversation_key=session_id,
        external_id=external_id,
        text=text.strip(),
        payload=payload,
        raw={"client": client},  # the address's keyed hash: blocks by address (docs/abuse.md)
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
            await _read_replies(session, conversation.id, source_prefix=f"{inbox_id}:")
            if conversation
            else []
        )
    return web.json_response({"replies": _render(rows)})


async def _read_replies(
    session: AsyncSession,
    conversation_id: int,
    *,
    after: int | None = None,
    source_prefix: str | None = None,
) -> list[OutboxMessage]:
    """The chat's outbox rows (one turn's, those after ``after``, or the latest), oldest first.

    Idempotent: the same question gets the same rows, whoever asks and however often. The
    first read of a row marks it ``fetched`` (delivery status ``delivered``), which the console
    shows; it is still returned afterwards. A row that is still ``pending`` is returned even
    below ``after``: its transaction may have committed after a later one's.
    """
    stmt = select(OutboxMessage).where(
        OutboxMessage.conversation_id == conversation_id,
        OutboxMessage.channel == CHANNEL,
        OutboxMessage.status.in_(("pending", "fetched")),
    )
    if source_prefix is not None:
        stmt = stmt.where(OutboxMessage.source_key.startswith(source_prefix))
        rows = list((await session.execute(stmt.order_by(OutboxMessage.id))).scalars())
    elif after is not None:
        stmt = stmt.where(or_(OutboxMessage.id > after, OutboxMessage.status == "pending"))
        rows = list(
            (await session.execute(stmt.order_by(OutboxMessage.id).limit(READ_LIMIT))).scalars()
        )
    else:
        latest = stmt.order_by(OutboxMessage.id.desc()).limit(READ_LIMIT)
        rows = list(reversed((await session.execute(latest)).scalars().all()))
    unread = [row.id for row in rows if row.status == "pending"]
    if unread:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(unread), OutboxMessage.status == "pending")
            .values(status="fetched", delivery_status="delivered", sent_at=utcnow())
        )
    return rows


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
    """This chat's messages after outbox id ``after`` (e.g. an operator's reply); without
    ``after``, the latest ones. Reading takes nothing away (see the module's docstring)."""
    session_id = _session_id(request.query.get("session_id"))
    request.app[LIMITS].check_webchat_read(request, session_id)
    after = _after(request.query.get("after"))
    async with request.app[SESSIONS]() as session, session.begin():
        conversation = await conversations.find_conversation(session, CHANNEL, session_id)
        rows = await _read_replies(session, conversation.id, after=after) if conversation else []
    return web.json_response({"messages": _render(rows)})


def _after(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadRequest("after must be an outbox id (a whole number)")
    return int(value)


async def get_history(request: web.Request) -> web.Response:
    """The conversation so far, oldest first, for a page that was reloaded.

    Read only: outbox rows are not marked as delivered here, and the page recognises a reply
    it gets both ways by its ``outbox_id``. Messages the server stored but has not handled yet
    are listed last with ``pending: true``.
    """
    session_id = _session_id(request.query.get("session_id"))
    request.app[LIMITS].check_webchat_read(request, session_id)
    async with request.app[SESSIONS]() as session:
        # Pending events first: one handled in between is then in the log (and dropped from
        # the pending ones below), never in neither.
        waiting = await _pending_messages(session, session_id)
        conversation = await conversations.find_conversation(session, CHANNEL, session_id)
        logged = await _logged_messages(session, conversation.id) if conversation else []
    more = len(logged) > HISTORY_LIMIT
    logged = logged[-HISTORY_LIMIT:]
    items = [_history_item(row) for row in logged]
    last_out = next((i for i in reversed(range(len(logged))) if logged[i].direction != "in"), None)
    if last_out is not None:  # only the latest bot message's buttons can still be pressed
        items[last_out]["buttons"] = list(logged[last_out].buttons or [])
    seen = {item["message_id"] for item in items if item["message_id"]}
    items.extend(item for item in waiting if item["message_id"] not in seen)
    return web.json_response({"session_id": session_id, "messages": items, "more": more})


async def _logged_messages(session: AsyncSession, conversation_id: int) -> list[Any]:
    """The conversation's message log in the order it was written (the console's order too).

    Only the columns the page shows (not the NLU results), newest first through the
    ``(conversation_id, id)`` index, then turned around.
    """
    stmt = (
        select(
            Message.id,
            Message.direction,
            Message.origin,
            Message.text,
            Message.buttons,
            Message.channel_message_id,
            Message.outbox_id,
            Message.created_at,
        )
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(HISTORY_LIMIT + 1)
    )
    return list(reversed((await session.execute(stmt)).all()))


async def _pending_messages(session: AsyncSession, session_id: str) -> list[dict[str, Any]]:
    """The person's messages that are stored but not handled yet (not in the log so far)."""
    stmt = (
        select(InboxEvent)
        .where(
            InboxEvent.status == PENDING,
            InboxEvent.channel == CHANNEL,
            InboxEvent.conversation_key == session_id,
        )
        .order_by(InboxEvent.id)
    )
    rows = (await session.execute(stmt)).scalars().all()
    return [
        {
            "id": None,
            "from": "worker",
            "text": str(row.event.get("text") or ""),
            "buttons": [],
            "created_at": _iso(row.received_at),
            "message_id": row.event.get("external_id") or None,
            "outbox_id": None,
            "pending": True,
        }
        for row in rows
    ]


def _history_item(row: Any) -> dict[str, Any]:
    """One row of the log (the columns :func:`_logged_messages` reads) as the page shows it."""
    sender = "worker" if row.direction == "in" else row.origin
    return {
        "id": row.id,
        "from": sender if sender in ("worker", "operator") else "bot",
        "text": row.text,
        "buttons": [],
        "created_at": _iso(row.created_at),
        "message_id": row.channel_message_id if row.direction == "in" else None,
        "outbox_id": row.outbox_id,
        "pending": False,
    }


async def get_welcome(request: web.Request) -> web.Response:
    """The greeting and menu shown when the page opens; nothing is stored until the person acts.

    (The page used to send a hidden "halo" instead, which made every visit a conversation and
    put words in the person's mouth in the console.)
    """
    reply = welcome_reply(request.query.get("lang"))
    return web.json_response(
        {
            "messages": [
                {
                    "from": "bot",
                    "text": reply.text,
                    "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
                }
            ]
        }
    )


async def page(_request: web.Request) -> web.FileResponse:
    """The chat page."""
    return web.FileResponse(STATIC / "webchat.html", headers=PAGE_HEADERS)


async def asset(request: web.Request) -> web.FileResponse:
    """The page's script and style sheet (public, no data)."""
    name = request.path.lstrip("/")
    return web.FileResponse(
        STATIC / name,
        headers={
            "Content-Type": f"{ASSETS[name]}; charset=utf-8",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-cache",
        },
    )


def setup_webchat(app: web.Application) -> None:
    """Register the web chat routes."""
    app.router.add_get("/", page)
    for name in ASSETS:
        app.router.add_get(f"/{name}", asset)
    app.router.add_post("/api/webchat/messages", post_message)
    app.router.add_get("/api/webchat/messages", get_messages)
    app.router.add_get("/api/webchat/history", get_history)
    app.router.add_get("/api/webchat/welcome", get_welcome)
