"""Ingest: verify → parse → claim the dedup key → store → acknowledge. No NLU or flows here.

The provider is answered only after the transaction that stored the event has committed, so an
acknowledged message is never lost; a provider retry of a stored event is claimed by nobody and
simply acknowledged again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.channels.base import (
    AnomalousPayload,
    ChannelAdapter,
    Ignored,
    InvalidSignature,
    MessageIn,
    ProviderEvent,
    RawRequest,
    StatusUpdate,
    UserBlocked,
)
from bot.inbox_codec import message_to_json
from bot.keys import ENGINE, SESSIONS, SIGNALS
from bot.textclean import clean
from storage import conversations, inbox, outbox

log_rejected = logging.getLogger("bot.ingest.rejected")
log_anomalous = logging.getLogger("bot.ingest.anomalous")
log_unsupported = logging.getLogger("bot.ingest.unsupported")
log = logging.getLogger("bot.ingest")


async def ingest(app: web.Application, adapter: ChannelAdapter, raw: RawRequest) -> web.Response:
    """Handle one provider webhook request end to end (up to the acknowledgement)."""
    try:
        adapter.verify(raw)
    except InvalidSignature as exc:
        log_rejected.warning("channel=%s rejected: %s", adapter.name, exc)
        return web.json_response({"error": "invalid signature"}, status=403)
    try:
        events = adapter.parse(raw)
    except AnomalousPayload as exc:
        log_anomalous.warning("channel=%s malformed payload: %s", adapter.name, exc)
        return web.json_response({"error": f"malformed payload: {exc}"}, status=400)
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        # A shape the parser did not foresee is the sender's fault, never a 500 (issue 14).
        # Only the type is logged: the exception text can quote the payload.
        log_anomalous.warning(
            "channel=%s unparseable payload (%s)", adapter.name, type(exc).__name__
        )
        return web.json_response({"error": "malformed payload"}, status=400)
    await store_events(app, adapter.name, events)
    ack = adapter.ack(events)
    return web.Response(status=ack.status, body=ack.body, content_type=ack.content_type)


async def store_events(
    app: web.Application, channel: str, events: Sequence[ProviderEvent]
) -> list[int | None]:
    """Store events in one transaction, then wake the dispatchers (here or in other processes).

    Returns, per event, the new inbox id of a message, or None (a duplicate, or not a message).
    Text is cleaned first (``bot.textclean``): what is stored can always be processed.
    """
    events = [clean(event) for event in events]
    messages = [e for e in events if isinstance(e, MessageIn)]
    if len(messages) == 1 and all(isinstance(e, MessageIn | Ignored) for e in events):
        for event in events:
            if isinstance(event, Ignored):
                log_unsupported.info("channel=%s ignored: %s", channel, event.reason)
        stored = await _store_one(app, channel, messages[0])
        ids = [stored if event is messages[0] else None for event in events]
    else:
        ids = await _store_in_transaction(app, channel, events)
    if any(new_id is not None for new_id in ids):
        app[SIGNALS].inbox_stored()
    return ids


async def _store_one(app: web.Application, channel: str, event: MessageIn) -> int | None:
    """The common case, one message per request: a single statement in autocommit mode.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` is atomic by itself, so the transaction around
    it (BEGIN and COMMIT, two more round trips per acknowledgement) would add nothing.
    """
    async with app[ENGINE].connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return await _claim_message(conn, channel, event)


async def _claim_message(
    executor: AsyncSession | AsyncConnection, channel: str, event: MessageIn
) -> int | None:
    new_id = await inbox.claim(
        executor,
        channel=channel,
        dedup_key=event.dedup_key,
        conversation_key=event.conversation_key,
        event=message_to_json(event),
    )
    if new_id is None:
        log.info("channel=%s duplicate delivery skipped", channel)
    return new_id


async def _store_in_transaction(
    app: web.Application, channel: str, events: Sequence[ProviderEvent]
) -> list[int | None]:
    """Several events, receipts or blocks: all of them in one transaction."""
    ids: list[int | None] = []
    async with app[SESSIONS]() as session, session.begin():
        for event in events:
            if isinstance(event, Ignored):
                log_unsupported.info("channel=%s ignored: %s", channel, event.reason)
                ids.append(None)
                continue
            if isinstance(event, MessageIn):
                ids.append(await _claim_message(session, channel, event))
                continue
            # Receipts and blocks are applied at once, but still claimed so a retry is a no-op.
            new_id = await inbox.claim(
                session,
                channel=channel,
                dedup_key=event.dedup_key,
                conversation_key=getattr(event, "conversation_key", ""),
                event={"type": type(event).__name__},
            )
            ids.append(None)
            if new_id is None:
                continue
            await inbox.mark_done(session, new_id)
            if isinstance(event, StatusUpdate):
                error = (
                    f"{event.error_code}: {event.error_message or ''}".strip(": ")
                    if event.error_code
                    else event.error_message
                )
                await outbox.record_delivery(
                    session,
                    channel=channel,
                    external_id=event.external_id,
                    status=event.status,
                    error=error,
                )
            elif isinstance(event, UserBlocked):
                await conversations.set_blocked(
                    session, channel, event.conversation_key, event.blocked
                )
    return ids
