"""Turns in batches: NLU, then flows, then one transaction with all the effects of the batch.

Only the oldest pending event of each conversation is ready, so a conversation's events are
handled in arrival order, one at a time, by whichever pump (or instance) takes it; the others skip
it (``FOR UPDATE SKIP LOCKED``). The state is loaded after the conversation row is locked.
Everything a batch does — the inbound messages, the new states, the replies (outbox) and the case
effects — commits together or not at all, so a crash at any point leaves its events pending, and
a pump (here or in another instance) takes them again.

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
from typing import Any, Literal

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
from storage.models import Case, Contact, Conversation, utcnow

log = logging.getLogger("bot.dispatcher")
log_safety = logging.getLogger("bot.dispatcher.safety")

# An event whose fallback keeps failing (every ~inbox_recover_seconds/2) is parked after this many
# tries, so one poison event cannot retry forever; it stays in the inbox with its last error.
MAX_EVENT_ATTEMPTS = 20
# After a partial batch, wait this long before the next one. Under load this multiplies the batch
# size (fewer statements per message, measured); when idle it adds at most this much latency.
BATCH_WINDOW_SECONDS = 0.02

FallbackOutcome = Literal["handled", "elsewhere", "failed"]
TurnFn = Callable[[UserTurn, ConversationState, FlowDeps], TurnResult]
MediaFetcher = Callable[[ChannelAdapter, tuple[MediaRef, ...]], Awaitable[tuple[MediaRef, ...]]]


@dataclass
class TextHooks:
    """User-facing texts the dispatcher itself needs; they live in ``flows`` (one catalogue)."""

    safety_fallback: Callable[[str | None], Reply]
    case_status: Callable[[Any, str | None], Reply]


@dataclass
class _Applied:
    opened_critical: list[Case] = field(default_factory=list)
    extra_replies: list[Reply] = field(default_factory=list)


@dataclass
class _Prepared:
    """An event with what was worked out before any lock: the message and its NLU result."""

    pending: inbox.Pending
    msg: MessageIn
    parse: ParseResult


@dataclass
class _Inbound:
    """The message-log row of an inbound message, written with its batch's other rows.

    Mutable until then: an effect that opens a case files the message in it (``case_id``).
    """

    row: dict[str, Any]

    @property
    def case_id(self) -> int | None:
        value = self.row["case_id"]
        return int(value) if value is not None else None

    @case_id.setter
    def case_id(self, value: int | None) -> None:
        self.row["case_id"] = value


@dataclass
class _Turned:
    """What one turn of a batch produced, waiting for the batch's writes."""

    conversation: Conversation
    contact: Contact
    inbound: _Inbound
    replies: tuple[Reply, ...]
    source_prefix: str


class Dispatcher:
    """Runs turns for inbox events: many conversations per transaction, each in arrival order.

    A few pump tasks each take a batch of ready events (the oldest pending event of each
    conversation not being worked on), parse them, and run all their turns in one transaction:
    a handful of statements per batch instead of a dozen per message. If anything in a batch
    fails, the batch rolls back and its events are retried one by one, so one bad event cannot
    hold up the others, and the safety fallback applies to it alone. Events with media are
    always handled one by one, because downloading can be slow.
    """

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
        on_done: Callable[[list[int]], None] = lambda _ids: None,
        concurrency: int = 8,
        batch_size: int = 64,
    ) -> None:
        """Wire the dispatcher; nothing runs until :meth:`start`.

        ``after_commit`` is called after each commit (the sender has new rows), ``on_done`` with
        the ids of the events that were handled (web-chat requests wait for theirs).
        ``concurrency`` bounds the events handled one by one (media, retries) at a time; two
        pumps run batches, so one batch's database round trips overlap the next one's work.
        """
        self._sessions = sessions
        self._settings = settings
        self._nlu = nlu
        self._run_turn = run_turn
        self._deps = deps
        self._texts = texts
        self._adapters = adapters
        self._fetch_media = fetch_media
        self._after_commit = after_commit
        self._on_done = on_done
        self._batch_size = batch_size
        self._limit = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._in_flight: set[int] = set()  # event ids a pump or a single task is handling
        self._cooling: dict[int, float] = {}  # event id -> loop time before which not to retry
        self._singles: set[asyncio.Task[None]] = set()
        self._pumps: list[asyncio.Task[None]] = []
        self._closing = False

    # --- scheduling -----------------------------------------------------------------------

    def wake(self) -> None:
        """New events were stored: let the pumps look now.

        The pumps take work from the database, not from this call, so nothing is lost if it is
        never made (another instance stored the event, or this one restarted): they also poll.
        """
        self._wake.set()

    async def start(self) -> None:
        """Start the pumps; they begin with whatever a previous run left pending."""
        self._pumps = [asyncio.create_task(self._pump()) for _ in range(2)]
        self._wake.set()

    async def close(self) -> None:
        """Stop taking work and wait for running turns to finish (their transactions commit)."""
        self._closing = True
        self._wake.set()
        tasks = [*self._pumps, *self._singles]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=10)
            for task in late:
                task.cancel()

    async def _pump(self) -> None:
        poll = max(0.5, self._settings.inbox_recover_seconds / 2)
        while not self._closing:
            self._wake.clear()
            try:
                taken = await self._run_batch()
            except Exception:
                log.exception("dispatcher pass failed; will try again")
                taken = 0
                await asyncio.sleep(0.5)
            if taken == 0 and not self._closing:
                # Nothing ready: sleep until a new event is stored here, or poll for events
                # stored by other instances and for retries that have cooled down.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=poll)
            if taken < self._batch_size and not self._closing:
                # Let events gather: a batch's statements cost the same for 1 event or 20.
                await asyncio.sleep(BATCH_WINDOW_SECONDS)

    # --- processing -----------------------------------------------------------------------

    async def _take(self) -> list[inbox.Pending]:
        """Ready events nobody here is handling, marked as in flight (before any await)."""
        now = asyncio.get_running_loop().time()
        self._cooling = {k: t for k, t in self._cooling.items() if t > now}
        skip = self._in_flight | self._cooling.keys()
        async with self._sessions() as session:
            ready = await inbox.peek_ready(session, self._batch_size + len(skip))
        taken = [p for p in ready if p.id not in skip][: self._batch_size]
        self._in_flight.update(p.id for p in taken)
        return taken

    async def _run_batch(self) -> int:
        """Take one batch of ready events and handle it; returns how many events were taken."""
        taken = await self._take()
        if not taken:
            return 0
        plain: list[inbox.Pending] = []
        for pending in taken:
            if pending.event.get("media"):
                self._start_single(pending)
            else:
                plain.append(pending)
        if not plain:
            return len(taken)
        try:
            prepared = [await self._prepare(p) for p in plain]
            async with self._sessions() as session, session.begin():
                handled = await self._process_batch(session, prepared)
        except Exception:
            log.warning("batch of %d failed; retrying its events one by one", len(plain))
            for pending in plain:
                await self._handle_single(pending)
        else:
            self._on_done(handled)
            self._after_commit()
            # Events skipped because another instance held them were not handled here.
            self._in_flight.difference_update(p.id for p in plain)
        return len(taken)

    def _start_single(self, pending: inbox.Pending) -> None:
        task = asyncio.create_task(self._single_task(pending))
        self._singles.add(task)
        task.add_done_callback(self._singles.discard)

    async def _single_task(self, pending: inbox.Pending) -> None:
        async with self._limit:
            await self._handle_single(pending)
        self._wake.set()  # the conversation's next event is ready now

    async def _handle_single(self, pending: inbox.Pending) -> None:
        """One event in its own transaction, with the safety fallback if it fails.

        "Done" is announced only for an event that was handled here: one left pending (the
        database is unusable) or taken by another instance is not done, and a web-chat request
        waiting for it must keep waiting (issue 10: it answered ``{"replies": []}``).
        """
        handled: list[int] = []
        try:
            handled = await self._process(pending)
        except Exception as exc:
            log.exception("event %d failed; running the safety fallback", pending.id)
            outcome = await self._fallback(pending, exc)
            if outcome == "handled":
                handled = [pending.id]
            elif outcome == "failed":
                # The database is unusable: leave it pending and try again later.
                retry_in = max(0.5, self._settings.inbox_recover_seconds / 2)
                self._cooling[pending.id] = asyncio.get_running_loop().time() + retry_in
        finally:
            self._in_flight.discard(pending.id)
        if handled:
            self._on_done(handled)
            self._after_commit()

    async def _prepare(self, pending: inbox.Pending) -> _Prepared:
        """The slow, side-effect-free part, done before any lock: media download and NLU."""
        msg = message_from_json(pending.event)
        adapter = self._adapters.get(pending.channel)
        if msg.media and adapter is not None and self._fetch_media is not None:
            stored = await self._fetch_media(adapter, msg.media)
            msg = _replace_media(msg, tuple(stored))
        text = msg.text or " ".join(m.caption for m in msg.media if m.caption)
        return _Prepared(pending, msg, await self._nlu.parse(text))

    async def _process(self, pending: inbox.Pending) -> list[int]:
        prepared = await self._prepare(pending)
        async with self._sessions() as session, session.begin():
            return await self._process_batch(session, [prepared])

    async def _process_batch(self, session: AsyncSession, batch: list[_Prepared]) -> list[int]:
        """Run the turns of a batch in the caller's transaction; returns the handled event ids.

        Statements per batch, whatever its size: lock the events, get or create the contacts
        and lock their conversations (two each), load their cases (two), then the inserts and
        updates the flush groups by table.
        """
        locked = await inbox.lock_pending(session, [p.pending.id for p in batch])
        batch = [p for p in batch if p.pending.id in locked]  # others were done meanwhile
        if not batch:
            return []
        contacts: dict[tuple[str, str], Contact] = {}
        for channel in {p.pending.channel for p in batch}:
            keys = [p.pending.conversation_key for p in batch if p.pending.channel == channel]
            found = await conversations.contacts_for(session, channel, keys)
            contacts.update({(channel, key): contact for key, contact in found.items()})
        by_contact = await conversations.lock_conversations(
            session, [c.id for c in contacts.values()]
        )
        summaries = await cases.recent_for_contacts(session, [c.id for c in contacts.values()])
        open_cases = await cases.open_for_conversations(
            session, [c.id for c in by_contact.values()]
        )
        turned: list[_Turned] = []
        for prepared in batch:
            pending, msg, parse = prepared.pending, prepared.msg, prepared.parse
            contact = contacts[(pending.channel, pending.conversation_key)]
            conversations.refresh_contact(
                contact,
                display_name=msg.display_name,
                phone=msg.phone,
                alt_user_id=msg.alt_user_id,
            )
            if contact.last_inbound_at is None or contact.last_inbound_at < pending.received_at:
                contact.last_inbound_at = pending.received_at
            conversation = by_contact[contact.id]
            turn = UserTurn(
                text=msg.text,
                parse=parse,
                channel=pending.channel,
                received_at=pending.received_at,
                payload=msg.payload,
                media=msg.media,
                location=msg.location,
                display_name=msg.display_name,
                has_consent=bool(contact.consent_given),
                cases=summaries.get(contact.id, ()),
            )
            result = self._run_turn(turn, conversations.state_of(conversation), self._deps)
            open_case = open_cases.get(conversation.id)
            inbound = _log_inbound(conversation, msg, parse, pending.received_at, open_case)
            applied = await self._apply_effects(
                session, result.effects, contact, conversation, inbound, parse
            )
            conversations.save_state(conversation, result.new_state)
            replies = (*result.replies, *applied.extra_replies)
            turned.append(_Turned(conversation, contact, inbound, replies, f"{pending.id}:"))
            for case in applied.opened_critical:
                self._alert(session, case)
            log.info(
                "event=%d channel=%s intent=%s urgency=%s replies=%d effects=%d",
                pending.id,
                pending.channel,
                parse.intent.name,
                parse.urgency,
                len(replies),
                len(result.effects),
            )
        await _queue_replies(session, turned)
        handled = [p.pending.id for p in batch]
        await inbox.mark_done_many(session, handled)
        return handled

    async def _apply_effects(
        self,
        session: AsyncSession,
        effects: tuple[Effect, ...],
        contact: Contact,
        conversation: Conversation,
        inbound: _Inbound,
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

    async def _fallback(self, event: inbox.Pending, error: Exception) -> FallbackOutcome:
        """File the message in a case and reassure the sender, without the flows.

        It must not fail on content: if storing the message as it is fails, it is stored a
        second time without its content (the case and the reassurance matter more than the
        text, which stays in the inbox row). Returns ``handled``; ``elsewhere`` when the event
        was done meanwhile or another instance holds it; ``failed`` when even this failed (the
        database is down): the event stays pending.
        """
        try:
            msg = message_from_json(event.event)
            parse = await self._nlu.parse(msg.text)
        except Exception:
            log_safety.exception("event %d: NLU unusable in fallback", event.id)
            msg, parse = _content_free(event), None
        try:
            try:
                return await self._file_in_case(event, msg, parse, error)
            except Exception:
                log_safety.exception(
                    "event %d: fallback could not store the message; storing it without content",
                    event.id,
                )
                return await self._file_in_case(event, _content_free(event), parse, error)
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
            return "failed"

    async def _file_in_case(
        self, event: inbox.Pending, msg: MessageIn, parse: ParseResult | None, error: Exception
    ) -> FallbackOutcome:
        async with self._sessions() as session, session.begin():
            if not await inbox.lock_pending(session, (event.id,)):
                return "elsewhere"  # done meanwhile, or another instance is on it
            contact = await conversations.get_or_create_contact(
                session, event.channel, event.conversation_key
            )
            conversation = await conversations.lock_conversation(session, contact)
            case = await cases.current_open_case(session, conversation.id)
            urgency = Urgency.NORMAL if parse is None else parse.urgency.at_least(Urgency.NORMAL)
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
            inbound = _log_inbound(conversation, msg, parse, event.received_at, case)
            reassure = (self._texts.safety_fallback(conversation.language),)
            await _queue_replies(
                session, [_Turned(conversation, contact, inbound, reassure, f"{event.id}:")]
            )
            await inbox.mark_done(session, event.id, error=type(error).__name__)
        log_safety.warning(
            "event %d handled by the fallback into case %s", event.id, case.reference
        )
        return "handled"


def _content_free(event: inbox.Pending) -> MessageIn:
    """The event as a message without any of its content (kept in the inbox row)."""
    return MessageIn(
        dedup_key=str(event.event.get("dedup_key") or event.id),
        conversation_key=event.conversation_key,
        external_id="",
        text="[message content could not be stored; see the inbox event]",
    )


def _replace_media(msg: MessageIn, media: tuple[MediaRef, ...]) -> MessageIn:
    return dataclasses.replace(msg, media=media)


def _log_inbound(
    conversation: Conversation,
    msg: MessageIn,
    parse: ParseResult | None,
    received_at: Any,
    case: Case | None,
) -> _Inbound:
    conversation.last_message_at = received_at
    return _Inbound(
        conversations.message_row(
            conversation.id,
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
    )


async def _queue_replies(session: AsyncSession, turned: list[_Turned]) -> None:
    """Write the turns' messages and replies: outbox and message log in the same transaction.

    Two statements for the whole batch: the outbox rows (their ids come back in order), then
    every log row, inbound before outbound, each reply pointing at its outbox row (the console
    shows its delivery status).
    """
    queued: list[tuple[_Turned, dict[str, Any]]] = []
    for turn in turned:
        for index, reply in enumerate(turn.replies):
            queued.append(
                (
                    turn,
                    outbox.outbox_row(
                        channel=turn.contact.channel,
                        recipient=turn.contact.channel_user_id,
                        text=reply.text,
                        buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons],
                        conversation_id=turn.conversation.id,
                        source_key=f"{turn.source_prefix}{index}",
                    ),
                )
            )
    outbox_ids = await outbox.enqueue_many(session, [row for _turn, row in queued])
    now = utcnow()
    log_rows = [turn.inbound.row for turn in turned]
    for (turn, row), outbox_id in zip(queued, outbox_ids, strict=True):
        log_rows.append(
            conversations.message_row(
                turn.conversation.id,
                direction="out",
                origin="bot",
                text=row["text"],
                created_at=now,
                buttons=row["buttons"] or None,
                case_id=turn.inbound.case_id,
                outbox_id=outbox_id,
            )
        )
        turn.conversation.last_message_at = now
    await conversations.log_messages(session, log_rows)
