"""Turns in batches: NLU, then flows, then one transaction with all the effects of the batch.

Only the oldest pending event of each conversation is ready, so a conversation's events are
handled in arrival order, one at a time, by whichever pump (or instance) takes it; the others skip
it (``FOR UPDATE SKIP LOCKED``). The state is loaded after the conversation row is locked.
Everything a batch does — the inbound messages, the new states, the replies (outbox) and the case
effects — commits together or not at all, so a crash at any point leaves its events pending, and
a pump (here or in another instance) takes them again.

Scheduling is all this module does: what a turn leaves behind (effects, log rows, replies) is
written by ``bot.effects``, and when a turn fails ``bot.effects.SafetyNet`` still files the
message in a case for the command centre and tells the person a human will read it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import (
    EDIT,
    REVOKE,
    UNSUPPORTED,
    ChannelAdapter,
    MessageIn,
    unsupported_text,
)
from bot.config import Settings
from bot.effects import (
    Inbound,
    PinLimits,
    SafetyNet,
    TextHooks,
    Turned,
    alert,
    apply_effects,
    log_inbound,
    queue_replies,
)
from bot.inbox_codec import location_to_json, media_to_json, message_from_json
from flows.states import open_question
from flows.types import ConversationState, FlowDeps, MediaRef, TurnResult, UserTurn
from nlu.types import NluBackend, ParseResult
from nlu.urgency import ANSWER_QUESTIONS
from storage import advisories, cases, conversations, inbox
from storage.models import Case, Contact, Conversation, utcnow

log = logging.getLogger("bot.dispatcher")
# After a partial batch, wait this long before the next one. Under load this multiplies the batch
# size (fewer statements per message, measured); when idle it adds at most this much latency.
BATCH_WINDOW_SECONDS = 0.02

TurnFn = Callable[[UserTurn, ConversationState, FlowDeps], TurnResult]
MediaFetcher = Callable[[ChannelAdapter, tuple[MediaRef, ...]], Awaitable[tuple[MediaRef, ...]]]


@dataclass
class _Prepared:
    """An event with what was worked out before any lock: the message and its NLU result."""

    pending: inbox.Pending
    msg: MessageIn
    parse: ParseResult
    text: str  # what was parsed: the text, or the media captions


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
        self._safety = SafetyNet(
            sessions=sessions, settings=settings, nlu=nlu, deps=deps, texts=texts
        )
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
        async with self._sessions() as session:
            limit = self._batch_size + len(self._in_flight) + len(self._cooling)
            ready = await inbox.peek_ready(session, limit)
        # The set of events in flight is read again *after* the await: the other pump may have
        # taken some of these while this one waited for the database (issue 14: every
        # attachment was downloaded twice). Nothing awaits between this check and the update.
        skip = self._in_flight | self._cooling.keys()
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
            outcome = await self._safety.file(pending, exc)
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

    def _features(self, channel: str) -> frozenset[str]:
        """What the channel can do (media, location, a known phone number): prompts fit it."""
        adapter = self._adapters.get(channel)
        return adapter.features if adapter is not None else frozenset()

    async def _prepare(self, pending: inbox.Pending) -> _Prepared:
        """The slow, side-effect-free part, done before any lock: media download and NLU."""
        msg = message_from_json(pending.event)
        adapter = self._adapters.get(pending.channel)
        if msg.media and adapter is not None and self._fetch_media is not None:
            stored = await self._fetch_media(adapter, msg.media)
            msg = _replace_media(msg, tuple(stored))
        text = msg.text or " ".join(m.caption for m in msg.media if m.caption)
        return _Prepared(pending, msg, await self._nlu.parse(text), text)

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
            mine = [p for p in batch if p.pending.channel == channel]
            keys = [p.pending.conversation_key for p in mine]
            # The other id the provider names for the same person (WhatsApp BSUID / wa_id).
            aliases = {
                p.pending.conversation_key: p.msg.alt_user_id for p in mine if p.msg.alt_user_id
            }
            adapter = self._adapters.get(channel)
            if adapter is not None and adapter.user_aliases:
                found = await conversations.contacts_for(session, channel, keys, aliases)
            else:
                found = await conversations.contacts_for(session, channel, keys)
            contacts.update({(channel, key): contact for key, contact in found.items()})
        by_contact = await conversations.lock_conversations(
            session, [c.id for c in contacts.values()]
        )
        summaries = await cases.recent_for_contacts(session, [c.id for c in contacts.values()])
        open_cases = await cases.open_for_conversations(
            session, [c.id for c in by_contact.values()]
        )
        # Messages that answer an advisory are tagged with it (docs/advisories.md).
        answering = await advisories.answered(
            session, [c.id for c in by_contact.values()], utcnow()
        )
        turned: list[Turned] = []
        for prepared in batch:
            pending, msg, parse = prepared.pending, prepared.msg, prepared.parse
            contact = contacts[(pending.channel, pending.conversation_key)]
            alt = msg.alt_user_id
            if alt == contact.channel_user_id:  # reached through its alias: the key is the other
                alt = pending.conversation_key
            conversations.refresh_contact(
                contact, display_name=msg.display_name, phone=msg.phone, alt_user_id=alt
            )
            if contact.last_inbound_at is None or contact.last_inbound_at < pending.received_at:
                contact.last_inbound_at = pending.received_at
            conversation = by_contact[contact.id]
            if not msg.is_turn:
                # Edits, revokes and unsupported content are kept for operators and never run
                # the flows: an edit is not an answer (issue 14; docs/channels.md).
                row = await self._keep_without_turn(
                    session, conversation, msg, pending, open_cases.get(conversation.id)
                )
                if row is not None:
                    turned.append(Turned(conversation, contact, row, (), f"{pending.id}:"))
                continue
            state = conversations.state_of(conversation)
            asked = open_question(state.name)
            if asked in ANSWER_QUESTIONS:
                # Parsed before the state was known; an answer to the question the bot asked
                # is judged again as that answer (docs/emergencies.md). Form answers only:
                # a fraction of turns, and the embedded parse is well under a millisecond.
                parse = await self._nlu.parse(prepared.text, asked=asked)
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
                advisory_opt_in=contact.advisory_opt_in,
                cases=summaries.get(contact.id, ()),
                features=self._features(pending.channel),
            )
            result = self._run_turn(turn, state, self._deps)
            open_case = open_cases.get(conversation.id)
            inbound = log_inbound(conversation, msg, parse, pending.received_at, open_case)
            inbound.row["advisory_id"] = answering.get(conversation.id)
            applied = await apply_effects(
                session,
                result.effects,
                contact=contact,
                conversation=conversation,
                inbound=inbound,
                parse=parse,
                deps=self._deps,
                texts=self._texts,
                pin_limits=PinLimits(
                    self._settings.pin_max_failures,
                    timedelta(minutes=self._settings.pin_lockout_minutes),
                ),
            )
            conversations.save_state(conversation, result.new_state)
            replies = (*result.replies, *applied.extra_replies)
            turned.append(Turned(conversation, contact, inbound, replies, f"{pending.id}:"))
            for case in applied.opened_critical:
                await alert(session, self._settings, case)
            log.info(
                "event=%d channel=%s intent=%s urgency=%s replies=%d effects=%d",
                pending.id,
                pending.channel,
                parse.intent.name,
                parse.urgency,
                len(replies),
                len(result.effects),
            )
        await queue_replies(session, turned)
        handled = [p.pending.id for p in batch]
        await inbox.mark_done_many(session, handled)
        return handled

    async def _keep_without_turn(
        self,
        session: AsyncSession,
        conversation: Conversation,
        msg: MessageIn,
        pending: inbox.Pending,
        open_case: Case | None,
    ) -> Inbound | None:
        """Store an event that is not a turn; returns a new log row to write, if any.

        An edit or revoke changes the message it names (its earlier state kept in
        ``versions``); when that message is not in the log, the edit is logged as a message of
        its own, marked ``edited``. Unsupported content is logged with its readable text.
        """
        media = media_to_json(msg.media) or None
        location = location_to_json(msg.location)
        if msg.kind in (EDIT, REVOKE) and msg.original_id:
            changed = await conversations.change_message(
                session,
                conversation,
                msg.original_id,
                kind="edited" if msg.kind == EDIT else "revoked",
                text=msg.text if msg.kind == EDIT else None,
                changed_at=pending.received_at,
                media=media,
                location=location,
            )
            if changed is not None:
                log.info("event=%d channel=%s %s applied", pending.id, pending.channel, msg.kind)
                return None
        inbound = log_inbound(conversation, msg, None, pending.received_at, open_case)
        inbound.row["kind"] = {EDIT: "edited", REVOKE: "revoked"}.get(msg.kind, UNSUPPORTED)
        if msg.kind == REVOKE:
            inbound.row["text"] = unsupported_text("message deleted by the sender")
        log.info(
            "event=%d channel=%s kept without a turn (%s)", pending.id, pending.channel, msg.kind
        )
        return inbound


def _replace_media(msg: MessageIn, media: tuple[MediaRef, ...]) -> MessageIn:
    """The message with its stored attachments; a shared contact's name and number (read
    from its vCard by ``bot.media``) become the text of a message that has none."""
    text = msg.text
    if not text:
        text = " ".join(m.caption for m in media if m.kind == "contact" and m.caption)
    return dataclasses.replace(msg, media=media, text=text)
