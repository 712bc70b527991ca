"""Per-conversation serial workers: NLU, then flows, then one transaction with all the effects.

One worker task per conversation key processes that conversation's inbox events in arrival order
and exits when there is nothing left (idle eviction: no lock per key kept forever). The state is
loaded after the conversation row is locked. Everything a turn does — the inbound message, the
new state, the replies (outbox) and the case effects — commits together or not at all, so a crash
at any point leaves the event pending, and a recovery loop picks it up again.

Safety first: if the flows or the database fail for a message, a fallback path still files the
message in a case for the command centre and tells the person a human will read it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelAdapter, MessageIn
from bot.config import Settings
from bot.events import location_to_json, media_to_json, message_from_json
from flows.types import (
    ConversationState,
    Effect,
    FlowDeps,
    LookupCase,
    MediaRef,
    OpenCase,
    RecordConsent,
    Reply,
    RequestHandoff,
    TurnResult,
    UpdateCase,
    UserTurn,
)
from nlu.types import NluBackend, ParseResult, Urgency
from storage import cases, conversations, inbox, outbox
from storage.db import on_postgres
from storage.models import Case, Contact, Conversation, InboxEvent, Message, utcnow

log = logging.getLogger("bot.dispatcher")
log_safety = logging.getLogger("bot.dispatcher.safety")

# An event whose fallback keeps failing (every ~inbox_recover_seconds/2) is parked after this many
# tries, so one poison event cannot retry forever; it stays in the inbox with its last error.
MAX_EVENT_ATTEMPTS = 20

TurnFn = Callable[[UserTurn, ConversationState, FlowDeps], TurnResult]
MediaFetcher = Callable[[ChannelAdapter, tuple[MediaRef, ...]], Awaitable[tuple[MediaRef, ...]]]


@dataclass
class _Worker:
    dirty: bool = True
    task: asyncio.Task[None] | None = None


@dataclass
class TextHooks:
    """User-facing texts the dispatcher itself needs; they live in ``flows`` (one catalogue)."""

    safety_fallback: Callable[[str | None], Reply]
    case_status: Callable[[Any, str | None], Reply]


@dataclass
class _Applied:
    opened_critical: list[Case] = field(default_factory=list)
    extra_replies: list[Reply] = field(default_factory=list)


class Dispatcher:
    """Runs turns for inbox events, one conversation at a time, many conversations at once."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        nlu: NluBackend,
        run_turn: TurnFn,
        deps: FlowDeps,
        texts: TextHooks,
        adapters: dict[str, ChannelAdapter],
        fetch_media: MediaFetcher | None = None,
        after_commit: Callable[[], None] = lambda: None,
        concurrency: int = 8,
    ) -> None:
        """Wire the dispatcher; nothing runs until :meth:`start`."""
        self._sessions = sessions
        self._settings = settings
        self._nlu = nlu
        self._run_turn = run_turn
        self._deps = deps
        self._texts = texts
        self._adapters = adapters
        self._fetch_media = fetch_media
        self._after_commit = after_commit
        self._workers: dict[tuple[str, str], _Worker] = {}
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._limit = asyncio.Semaphore(concurrency)
        self._recovery: asyncio.Task[None] | None = None
        self._closing = False

    # --- scheduling -----------------------------------------------------------------------

    def enqueue(self, channel: str, conversation_key: str) -> None:
        """Make sure the conversation's worker runs (it drains every pending event, in order)."""
        if self._closing:
            return
        key = (channel, conversation_key)
        worker = self._workers.get(key)
        if worker is None:
            worker = _Worker()
            self._workers[key] = worker
            worker.task = asyncio.create_task(self._run_worker(key, worker))
        worker.dirty = True

    def waiter(self, inbox_id: int) -> asyncio.Future[None]:
        """A future resolved once the event was processed (the web chat answers synchronously)."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(inbox_id, []).append(fut)
        return fut

    @property
    def active_workers(self) -> int:
        """Conversations being worked on right now (idle ones are evicted)."""
        return len(self._workers)

    async def _run_worker(self, key: tuple[str, str], worker: _Worker) -> None:
        try:
            while worker.dirty and not self._closing:
                worker.dirty = False
                async with self._limit:
                    await self._drain(*key)
        finally:
            if self._workers.get(key) is worker:
                del self._workers[key]

    async def start(self) -> None:
        """Pick up what a previous run left unfinished, then keep recovering stale events."""
        async with self._sessions() as session:
            pending = await inbox.all_pending(session)
        for event in pending:
            self.enqueue(event.channel, event.conversation_key)
        if pending:
            log.info("recovered %d pending inbound events", len(pending))
        self._recovery = asyncio.create_task(self._recover_forever())

    async def close(self) -> None:
        """Stop taking work and wait for running turns to finish (their transactions commit)."""
        self._closing = True
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
        tasks = [w.task for w in self._workers.values() if w.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=10)
        for task in tasks:
            task.cancel()

    async def _recover_forever(self) -> None:
        interval = max(0.5, self._settings.inbox_recover_seconds / 2)
        age = timedelta(seconds=self._settings.inbox_recover_seconds)
        while True:
            await asyncio.sleep(interval)
            try:
                async with self._sessions() as session:
                    stale = await inbox.stale_pending(session, age)
                for event in stale:
                    if (event.channel, event.conversation_key) not in self._workers:
                        self.enqueue(event.channel, event.conversation_key)
            except Exception:
                log.exception("inbox recovery pass failed; will try again")

    # --- processing -----------------------------------------------------------------------

    async def _drain(self, channel: str, conversation_key: str) -> None:
        while not self._closing:
            async with self._sessions() as session:
                event = await inbox.next_pending(session, channel, conversation_key)
            if event is None:
                return
            try:
                await self._process(event)
            except Exception as exc:
                log.exception("event %d failed; running the safety fallback", event.id)
                if not await self._fallback(event, exc):
                    return  # the database is unusable; the recovery loop retries later
            finally:
                self._resolve(event.id)
            self._after_commit()

    def _resolve(self, inbox_id: int) -> None:
        for fut in self._waiters.pop(inbox_id, []):
            if not fut.done():
                fut.set_result(None)

    async def _prepare(self, event: InboxEvent) -> tuple[MessageIn, ParseResult]:
        """The slow, side-effect-free part, done before any lock: media download and NLU."""
        msg = message_from_json(event.event)
        adapter = self._adapters.get(event.channel)
        if msg.media and adapter is not None and self._fetch_media is not None:
            stored = await self._fetch_media(adapter, msg.media)
            msg = _replace_media(msg, tuple(stored))
        text = msg.text or " ".join(m.caption for m in msg.media if m.caption)
        parse = await self._nlu.parse(text)
        return msg, parse

    async def _process(self, event: InboxEvent) -> None:
        msg, parse = await self._prepare(event)
        async with self._sessions() as session, session.begin():
            row = await session.get(InboxEvent, event.id, with_for_update=on_postgres(session))
            if row is None or row.status != "pending":
                return  # another instance finished it meanwhile
            contact = await conversations.get_or_create_contact(
                session,
                event.channel,
                event.conversation_key,
                display_name=msg.display_name,
                phone=msg.phone,
                alt_user_id=msg.alt_user_id,
            )
            received_at = row.received_at
            if contact.last_inbound_at is None or contact.last_inbound_at < received_at:
                contact.last_inbound_at = received_at
            conversation = await conversations.lock_conversation(session, contact)
            state = conversations.state_of(conversation)
            turn = UserTurn(
                text=msg.text,
                parse=parse,
                channel=event.channel,
                received_at=received_at,
                payload=msg.payload,
                media=msg.media,
                location=msg.location,
                display_name=msg.display_name,
                has_consent=bool(contact.consent_given),
                cases=await cases.contact_cases(session, contact.id),
            )
            result = self._run_turn(turn, state, self._deps)
            open_case = await cases.current_open_case(session, conversation.id)
            inbound = _log_inbound(session, conversation, msg, parse, received_at, open_case)
            applied = await self._apply_effects(
                session, result.effects, contact, conversation, inbound, parse
            )
            conversations.save_state(conversation, result.new_state)
            replies = (*result.replies, *applied.extra_replies)
            await _queue_replies(
                session, conversation, contact, replies, f"{event.id}:", inbound.case_id
            )
            for case in applied.opened_critical:
                self._alert(session, case)
            await inbox.mark_done(session, event.id)
        log.info(
            "event=%d channel=%s intent=%s urgency=%s replies=%d effects=%d",
            event.id,
            event.channel,
            parse.intent.name,
            parse.urgency,
            len(replies),
            len(result.effects),
        )

    async def _apply_effects(
        self,
        session: AsyncSession,
        effects: tuple[Effect, ...],
        contact: Contact,
        conversation: Conversation,
        inbound: Message,
        parse: ParseResult,
    ) -> _Applied:
        applied = _Applied()
        for effect in effects:
            if isinstance(effect, RecordConsent):
                contact.consent_given = effect.granted
                contact.consent_at = utcnow()
                contact.consent_version = effect.text_version
                cases.audit(
                    session,
                    "consent_recorded",
                    detail={
                        "contact_id": contact.id,
                        "granted": effect.granted,
                        "text_version": effect.text_version,
                    },
                )
            elif isinstance(effect, OpenCase):
                case = await cases.open_case(
                    session,
                    reference=effect.reference,
                    contact_id=contact.id,
                    conversation_id=conversation.id,
                    channel=contact.channel,
                    intent=effect.intent,
                    urgency=effect.urgency.at_least(parse.urgency),
                    urgency_reasons=effect.urgency_reasons or parse.urgency_reasons,
                    reporter=effect.reporter,
                    fields=effect.fields,
                    pin=effect.pin,
                )
                inbound.case_id = case.id
                if case.urgency == Urgency.CRITICAL:
                    applied.opened_critical.append(case)
            elif isinstance(effect, UpdateCase):
                case_or_none = await cases.by_reference(session, effect.reference)
                if case_or_none is None:
                    log.warning("UpdateCase for an unknown reference; ignored")
                    continue
                was_critical = case_or_none.urgency == Urgency.CRITICAL
                await cases.update_case(
                    session,
                    case_or_none,
                    fields=effect.fields,
                    intent=effect.intent,
                    urgency=effect.urgency,
                    reasons=parse.urgency_reasons,
                    submitted=effect.submitted,
                )
                inbound.case_id = inbound.case_id or case_or_none.id
                if not was_critical and case_or_none.urgency == Urgency.CRITICAL:
                    applied.opened_critical.append(case_or_none)
            elif isinstance(effect, RequestHandoff):
                case_or_none = (
                    await cases.by_reference(session, effect.reference)
                    if effect.reference
                    else await cases.current_open_case(session, conversation.id)
                )
                if case_or_none is None:
                    case_or_none = await cases.open_case(
                        session,
                        reference=self._deps.new_reference(),
                        contact_id=contact.id,
                        conversation_id=conversation.id,
                        channel=contact.channel,
                        intent=parse.intent.name if parse.kind == "complaint" else "handoff.human",
                        urgency=effect.urgency.at_least(parse.urgency),
                        urgency_reasons=(f"handoff:{effect.reason}", *parse.urgency_reasons),
                        handoff=True,
                    )
                    if case_or_none.urgency == Urgency.CRITICAL:
                        applied.opened_critical.append(case_or_none)
                else:
                    case_or_none.handoff_requested = True
                    if cases.raise_urgency(case_or_none, effect.urgency, (effect.reason,)) and (
                        case_or_none.urgency == Urgency.CRITICAL
                    ):
                        applied.opened_critical.append(case_or_none)
                    cases.audit(
                        session,
                        "handoff_requested",
                        case_id=case_or_none.id,
                        detail={"reason": effect.reason},
                    )
                inbound.case_id = inbound.case_id or case_or_none.id
            elif isinstance(effect, LookupCase):
                summary = await cases.lookup_with_pin(session, effect.reference, effect.pin)
                applied.extra_replies.append(
                    self._texts.case_status(summary, conversation.language)
                )
        return applied

    def _alert(self, session: AsyncSession, case: Case) -> None:
        """Tell the on-duty rapid-response team, through the same outbox (no personal data)."""
        log_safety.warning("critical case opened ref=%s intent=%s", case.reference, case.intent)
        chat_id = self._settings.alert_telegram_chat_id
        if not chat_id:
            return
        link = f"{self._settings.public_url}/console/cases/{case.reference}"
        reasons = ", ".join((case.urgency_reasons or [])[:3])
        outbox.enqueue(
            session,
            channel="telegram",
            recipient=chat_id,
            text=(
                f"🚨 CRITICAL {case.reference}\n{case.intent} · {case.country or '?'} · "
                f"{case.channel}\n{reasons}\n{link}"
            ),
            origin="alert",
        )

    async def _fallback(self, event: InboxEvent, error: Exception) -> bool:
        """File the message in a case and reassure the sender, without the flows.

        Returns False when even this failed (the database is down): the event stays pending.
        """
        try:
            msg = message_from_json(event.event)
            parse = await self._nlu.parse(msg.text)
        except Exception:
            log_safety.exception("event %d: NLU unusable in fallback", event.id)
            msg, parse = message_from_json(event.event), None
        try:
            async with self._sessions() as session, session.begin():
                row = await session.get(InboxEvent, event.id, with_for_update=on_postgres(session))
                if row is None or row.status != "pending":
                    return True
                contact = await conversations.get_or_create_contact(
                    session, event.channel, event.conversation_key
                )
                conversation = await conversations.lock_conversation(session, contact)
                case = await cases.current_open_case(session, conversation.id)
                urgency = (
                    Urgency.NORMAL if parse is None else parse.urgency.at_least(Urgency.NORMAL)
                )
                if case is None:
                    case = await cases.open_case(
                        session,
                        reference=self._deps.new_reference(),
                        contact_id=contact.id,
                        conversation_id=conversation.id,
                        channel=event.channel,
                        intent=parse.intent.name
                        if parse and parse.kind == "complaint"
                        else "complaint.other",
                        urgency=urgency,
                        urgency_reasons=("fallback:processing_error",),
                        handoff=True,
                    )
                    if case.urgency == Urgency.CRITICAL:
                        self._alert(session, case)
                else:
                    cases.raise_urgency(case, urgency, ("fallback:processing_error",))
                inbound = _log_inbound(session, conversation, msg, parse, row.received_at, case)
                inbound.case_id = case.id
                await _queue_replies(
                    session,
                    conversation,
                    contact,
                    (self._texts.safety_fallback(conversation.language),),
                    f"{event.id}:",
                    case.id,
                )
                await inbox.mark_done(session, event.id, error=type(error).__name__)
        except Exception as exc:
            give_up = event.attempts + 1 >= MAX_EVENT_ATTEMPTS
            log_safety.exception(
                "event %d: fallback failed too; %s",
                event.id,
                "parked as failed, needs an engineer" if give_up else "left pending",
            )
            with contextlib.suppress(Exception):
                async with self._sessions() as session, session.begin():
                    await inbox.record_failure(
                        session, event.id, type(exc).__name__, give_up=give_up
                    )
            return False
        else:
            log_safety.warning(
                "event %d handled by the fallback into case %s", event.id, case.reference
            )
            return True


def _replace_media(msg: MessageIn, media: tuple[MediaRef, ...]) -> MessageIn:
    return dataclasses.replace(msg, media=media)


def _log_inbound(
    session: AsyncSession,
    conversation: Conversation,
    msg: MessageIn,
    parse: ParseResult | None,
    received_at: Any,
    case: Case | None,
) -> Message:
    return conversations.add_message(
        session,
        conversation,
        direction="in",
        origin="user",
        text=msg.text,
        created_at=received_at,
        channel_message_id=msg.external_id,
        payload=msg.payload,
        media=media_to_json(msg.media) or None,
        location=location_to_json(msg.location),
        nlu=parse.to_dict() if parse else None,
        case_id=case.id if case else None,
    )


async def _queue_replies(
    session: AsyncSession,
    conversation: Conversation,
    contact: Contact,
    replies: tuple[Reply, ...],
    source_prefix: str,
    case_id: int | None,
) -> None:
    """Replies go to the outbox and the message log together (same transaction)."""
    rows = []
    for index, reply in enumerate(replies):
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        rows.append(
            outbox.enqueue(
                session,
                channel=contact.channel,
                recipient=contact.channel_user_id,
                text=reply.text,
                buttons=buttons,
                conversation_id=conversation.id,
                origin="bot",
                source_key=f"{source_prefix}{index}",
            )
        )
    if not rows:
        return
    await session.flush()  # the log links each message to its outbox row (delivery status)
    for row in rows:
        conversations.add_message(
            session,
            conversation,
            direction="out",
            origin="bot",
            text=row.text,
            buttons=row.buttons or None,
            case_id=case_id,
            outbox_id=row.id,
        )
