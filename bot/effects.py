"""What a turn leaves behind, written in the caller's transaction: effects, log rows, replies.

The flows are pure: ``run_turn`` returns replies, a new state and :data:`flows.types.Effect`
values. This module carries them out against the database, inside the dispatcher's transaction
(:func:`apply_effects`), and writes the turn's message-log and outbox rows (:func:`log_inbound`,
:func:`queue_replies`). The safety net (:class:`SafetyNet`) is here too: when a turn cannot run,
it files the message in a case without the flows, so an urgent message still reaches a human.

Both paths open a hand-off case with one helper, :func:`open_handoff_case`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import MessageIn
from bot.channels.telegram import TelegramAdapter
from bot.config import Settings
from bot.inbox_codec import location_to_json, media_to_json, message_from_json
from flows.casefile import case_columns
from flows.types import (
    CaseSummary,
    Effect,
    FlowDeps,
    LookupCase,
    OpenCase,
    RecordAdvisoryConsent,
    RecordConsent,
    Reply,
    RequestErasure,
    RequestHandoff,
    UpdateCase,
)
from nlu.types import NluBackend, ParseResult, Urgency
from storage import abuse, cases, conversations, handover, inbox, outbox, privacy
from storage.audit import audit
from storage.models import AlertLog, Case, Contact, Conversation, OutboxMessage, utcnow

log = logging.getLogger("bot.effects")
log_safety = logging.getLogger("bot.dispatcher.safety")

# An event whose fallback keeps failing (every ~inbox_recover_seconds/2) is parked after this many
# tries, so one poison event cannot retry forever; it stays in the inbox with its last error.
MAX_EVENT_ATTEMPTS = 20

FallbackOutcome = Literal["handled", "elsewhere", "failed"]


@dataclass(frozen=True, slots=True)
class PinLimits:
    """How many wrong case PINs are allowed, and within what window (``bot.config``)."""

    max_failures: int = 5
    window: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TextHooks:
    """User-facing texts the gateway itself needs; they live in ``flows`` (one catalogue)."""

    safety_fallback: Callable[[str | None], Reply]
    case_status: Callable[[CaseSummary | None, str | None, bool], Reply]


@dataclass
class Applied:
    """What applying a turn's effects produced besides database rows."""

    opened_critical: list[Case] = field(default_factory=list)
    extra_replies: list[Reply] = field(default_factory=list)


@dataclass
class Inbound:
    """The message-log row of an inbound message, written with its batch's other rows.

    Mutable until then: an effect that opens a case files the message in it (``case_id``).
    """

    row: dict[str, Any]

    @property
    def case_id(self) -> int | None:
        """The case the message is filed in, if any."""
        value = self.row["case_id"]
        return int(value) if value is not None else None

    @case_id.setter
    def case_id(self, value: int | None) -> None:
        self.row["case_id"] = value


@dataclass
class Turned:
    """What one turn produced, waiting for the batch's writes."""

    conversation: Conversation
    contact: Contact
    inbound: Inbound
    replies: tuple[Reply, ...]
    source_prefix: str


async def open_handoff_case(
    session: AsyncSession,
    *,
    reference: str,
    contact: Contact,
    conversation: Conversation,
    intent: str,
    urgency: Urgency,
    reasons: tuple[str, ...],
    country: str | None = None,
) -> Case:
    """Open a case for a conversation that needs a person (a hand-off, or the safety net)."""
    fields = {"country": country} if country else None
    return await cases.open_case(
        session,
        reference=reference,
        contact_id=contact.id,
        conversation_id=conversation.id,
        channel=contact.channel,
        intent=intent,
        urgency=urgency,
        urgency_reasons=reasons,
        handoff=True,
        fields=fields,
        columns=case_columns(fields) if fields else None,
    )


async def alert(session: AsyncSession, settings: Settings, case: Case) -> None:
    """Tell the on-duty rapid-response team, through the same outbox (no personal data of the
    worker), naming the operators marked on duty in the console (docs/console.md, "Shift
    handover") so the group knows who picks it up.

    The alert is queued at once, so it goes out even if nothing else runs; :func:`queue_replies`
    then settles it in the same transaction (:func:`coalesce_alerts`): beyond
    ``SIAGA_ALERT_LIMIT`` per channel, or for a sender operators blocked, it is folded into
    one summary instead (docs/abuse.md). The case itself is never held back.
    """
    log_safety.warning("critical case opened ref=%s intent=%s", case.reference, case.intent)
    chat_id = settings.alert_telegram_chat_id
    if not chat_id:
        return
    link = f"{settings.public_url}/console/cases/{case.reference}"
    reasons = ", ".join((case.urgency_reasons or [])[:3])
    names = [d.username for d in await handover.on_duty(session)]
    duty = (
        f"Petugas jaga: {', '.join(names)}"
        if names
        else "Petugas jaga: belum ada yang menandai diri (/console/handover)"
    )
    row = outbox.enqueue(
        session,
        channel=TelegramAdapter.name,  # the team's group is on Telegram (SIAGA_ALERT_…)
        recipient=chat_id,
        text=(
            f"🚨 CRITICAL {case.reference}\n{case.intent} · {case.country or '?'} · "
            f"{case.channel}\n{reasons}\n{duty}\n{link}"
        ),
        origin="alert",
    )
    session.info.setdefault(_PENDING_ALERTS, []).append(_PendingAlert(row, case, settings))


# --- coalescing team alerts (docs/abuse.md) ------------------------------------------------

_PENDING_ALERTS = "siaga.pending_alerts"  # session.info: alerts queued in this transaction
# A summary waits this long before it is sent, so one message covers a burst.
SUMMARY_DELAY = timedelta(seconds=60)
SUMMARY_REFERENCES = 12  # references listed in a summary; the rest are counted


@dataclass(slots=True)
class _PendingAlert:
    row: OutboxMessage
    case: Case
    settings: Settings


async def coalesce_alerts(session: AsyncSession) -> None:
    """Settle the alerts :func:`alert` queued in this transaction: each goes out alone, or is
    folded into its channel's summary (over the limit) or the blocked senders' notice."""
    for pending in session.info.pop(_PENDING_ALERTS, []):
        await _settle(session, pending)


async def _settle(session: AsyncSession, pending: _PendingAlert) -> None:
    case, settings = pending.case, pending.settings
    now = utcnow()
    contact = await session.get(Contact, case.contact_id)
    blocked = contact is not None and await abuse.is_blocked(
        session, settings.secret_key.get(), case.channel, contact.channel_user_id
    )
    if not blocked:
        limit = settings.alert_limit
        since = now - timedelta(seconds=limit.seconds)
        if await abuse.recent_alerts(session, case.channel, since) < limit.count:
            entry = AlertLog(channel=case.channel, kind="alert", reference=case.reference)
            entry.case_id = case.id
            session.add(entry)
            return
    if pending.row in session.new:
        session.expunge(pending.row)
    else:
        await session.delete(pending.row)
    kind = "blocked" if blocked else "coalesced"
    summary_id = await abuse.open_summary(session, case.channel, kind)
    for _ in range(2):
        if summary_id is None:
            summary_id = await _new_summary(session, settings, pending.row.recipient, now)
        session.add(
            AlertLog(
                channel=case.channel,
                kind=kind,
                case_id=case.id,
                reference=case.reference,
                summary_id=summary_id,
            )
        )
        await session.flush()
        references = await abuse.summarised(session, summary_id)
        text = _summary_text(settings, case.channel, kind, references)
        if await abuse.rewrite_summary(session, summary_id, text):
            log_safety.warning(
                "critical case ref=%s: team alert grouped (%s, %d in summary)",
                case.reference,
                kind,
                len(references),
            )
            return
        summary_id = None  # a sender took it meanwhile: start the next summary


async def _new_summary(
    session: AsyncSession, settings: Settings, recipient: str, now: datetime
) -> int:
    row = outbox.enqueue(
        session, channel=TelegramAdapter.name, recipient=recipient, text="", origin="alert"
    )
    row.next_attempt_at = now + SUMMARY_DELAY
    await session.flush()
    return row.id


def _summary_text(settings: Settings, channel: str, kind: str, references: list[str]) -> str:
    listed = ", ".join(references[:SUMMARY_REFERENCES])
    more = len(references) - SUMMARY_REFERENCES
    if more > 0:
        listed += f" and {more} more"
    queue = f"{settings.public_url}/console"
    if kind == "blocked":
        return (
            f"ℹ️ Low priority: {len(references)} critical message(s) on {channel} from senders "
            f"operators blocked as abuse. Each is a case in the queue; a block never means "
            f"the person is safe, please look.\n{listed}\n{queue}"
        )
    minutes = round(settings.alert_limit.seconds / 60)
    return (
        f"⚠️ {len(references)} more critical case(s) on {channel}: over "
        f"{settings.alert_limit.count} alerts in {minutes} min, so grouped here (unusual "
        f"volume, possibly abuse). All are in the queue, critical first.\n{listed}\n{queue}"
    )


async def apply_effects(
    session: AsyncSession,
    effects: tuple[Effect, ...],
    *,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    parse: ParseResult,
    deps: FlowDeps,
    texts: TextHooks,
    pin_limits: PinLimits | None = None,
) -> Applied:
    """Carry out a turn's effects in the caller's transaction."""
    limits = pin_limits or PinLimits()
    applied = Applied()
    for effect in effects:
        match effect:
            case RecordConsent(granted=granted, text_version=version):
                contact.consent_given = granted
                contact.consent_at = utcnow()
                contact.consent_version = version
                audit(
                    session,
                    "consent_recorded",
                    detail={"contact_id": contact.id, "granted": granted, "text_version": version},
                )
            case OpenCase():
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
                    columns=effect.columns,
                    pin=effect.pin,
                )
                inbound.case_id = case.id
                learn_country(contact, effect.columns)
                if case.urgency == Urgency.CRITICAL:
                    applied.opened_critical.append(case)
            case UpdateCase():
                found = await cases.by_reference(session, effect.reference)
                if found is None:
                    log.warning("UpdateCase for an unknown reference; ignored")
                    continue
                was_critical = found.urgency == Urgency.CRITICAL
                await cases.update_case(
                    session,
                    found,
                    fields=effect.fields,
                    columns=effect.columns,
                    intent=effect.intent,
                    urgency=effect.urgency,
                    reasons=parse.urgency_reasons,
                    submitted=effect.submitted,
                )
                inbound.case_id = inbound.case_id or found.id
                learn_country(contact, effect.columns)
                if not was_critical and found.urgency == Urgency.CRITICAL:
                    applied.opened_critical.append(found)
            case RequestHandoff():
                await _hand_off(
                    session, effect, contact, conversation, inbound, parse, deps, applied
                )
            case LookupCase(reference=reference, pin=pin):
                check = await cases.lookup_with_pin(
                    session,
                    reference,
                    pin,
                    conversation_id=conversation.id,
                    max_failures=limits.max_failures,
                    window=limits.window,
                )
                applied.extra_replies.append(
                    texts.case_status(check.summary, conversation.language, check.locked)
                )
            case RequestErasure(note=note):
                await privacy.request_erasure(session, contact.id, note)
            case RecordAdvisoryConsent(granted=granted):
                record_advisory_consent(session, contact, granted)
    return applied


def record_advisory_consent(session: AsyncSession, contact: Contact, granted: bool) -> None:
    """The person's yes or no (or STOP) to advisories, with the time and the channel it came
    on, and an audit entry (docs/advisories.md). No text, no number: the contact's id."""
    contact.advisory_opt_in = granted
    contact.advisory_opt_in_at = utcnow()
    contact.advisory_opt_in_channel = contact.channel
    audit(
        session,
        "advisory_opt_in" if granted else "advisory_opt_out",
        detail={"contact_id": contact.id, "channel": contact.channel},
    )


def learn_country(contact: Contact, columns: dict[str, str]) -> None:
    """The country of a report becomes the contact's, for advisories by country, only with
    the person's consent to process their data (a report on the critical path without consent
    is filed for their vital interest, not remembered for later)."""
    country = columns.get("country")
    if country and contact.consent_given:
        contact.country = str(country)[:64]


async def _hand_off(
    session: AsyncSession,
    effect: RequestHandoff,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    parse: ParseResult,
    deps: FlowDeps,
    applied: Applied,
) -> None:
    """Attach the hand-off to the named case, the conversation's open case, or a new one."""
    case = (
        await cases.by_reference(session, effect.reference)
        if effect.reference
        else await cases.current_open_case(session, conversation.id)
    )
    if case is None:
        case = await open_handoff_case(
            session,
            reference=deps.new_reference(),
            contact=contact,
            conversation=conversation,
            intent=parse.intent.name if parse.kind == "complaint" else "handoff.human",
            urgency=effect.urgency.at_least(parse.urgency),
            reasons=(f"handoff:{effect.reason}", *parse.urgency_reasons),
            country=effect.country,
        )
        if case.urgency == Urgency.CRITICAL:
            applied.opened_critical.append(case)
    else:
        case.handoff_requested = True
        if cases.raise_urgency(case, effect.urgency, (effect.reason,)) and (
            case.urgency == Urgency.CRITICAL
        ):
            applied.opened_critical.append(case)
        audit(session, "handoff_requested", case_id=case.id, detail={"reason": effect.reason})
    inbound.case_id = inbound.case_id or case.id


# --- the turn's rows --------------------------------------------------------------------------


def log_inbound(
    conversation: Conversation,
    msg: MessageIn,
    parse: ParseResult | None,
    received_at: datetime,
    case: Case | None,
) -> Inbound:
    """The message-log row of an inbound message (written later with its batch)."""
    conversation.last_message_at = received_at
    return Inbound(
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


async def queue_replies(session: AsyncSession, turned: list[Turned]) -> None:
    """Write the turns' messages and replies: outbox and message log in the same transaction.

    Two statements for the whole batch: the outbox rows (their ids come back in order), then
    every log row, inbound before outbound, each reply pointing at its outbox row (the console
    shows its delivery status).
    """
    await coalesce_alerts(session)
    queued: list[tuple[Turned, Reply, dict[str, Any]]] = []
    for turn in turned:
        for index, reply in enumerate(turn.replies):
            queued.append(
                (
                    turn,
                    reply,
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
    outbox_ids = await outbox.enqueue_many(session, [row for _turn, _reply, row in queued])
    now = utcnow()
    log_rows = [turn.inbound.row for turn in turned]
    for (turn, reply, row), outbox_id in zip(queued, outbox_ids, strict=True):
        # The log is what operators read in the console: a PIN in the reply is masked there.
        logged = reply.logged_text()
        log_rows.append(
            conversations.message_row(
                turn.conversation.id,
                direction="out",
                origin="bot",
                text=logged,
                created_at=now,
                buttons=row["buttons"] or None,
                case_id=turn.inbound.case_id,
                outbox_id=outbox_id,
            )
        )
        turn.conversation.last_message_at = now
    await conversations.log_messages(session, log_rows)


# --- the safety net -----------------------------------------------------------------------------


class SafetyNet:
    """Files a message the flows could not handle, so it still reaches a human.

    Safety first (README): if the flows or the database fail on a message, it is filed in a
    case (urgency at least normal, as the NLU saw it), the person is told a human will read it,
    and the team is alerted when it is critical.
    """

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        nlu: NluBackend,
        deps: FlowDeps,
        texts: TextHooks,
    ) -> None:
        """Wire it; it runs only when a turn failed."""
        self._sessions = sessions
        self._settings = settings
        self._nlu = nlu
        self._deps = deps
        self._texts = texts

    async def file(self, event: inbox.Pending, error: Exception) -> FallbackOutcome:
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
            msg, parse = content_free(event), None
        try:
            try:
                return await self._file_in_case(event, msg, parse, error)
            except Exception:
                log_safety.exception(
                    "event %d: fallback could not store the message; storing it without content",
                    event.id,
                )
                return await self._file_in_case(event, content_free(event), parse, error)
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
                case = await open_handoff_case(
                    session,
                    reference=self._deps.new_reference(),
                    contact=contact,
                    conversation=conversation,
                    intent=parse.intent.name
                    if parse and parse.kind == "complaint"
                    else "complaint.other",
                    urgency=urgency,
                    reasons=("fallback:processing_error",),
                )
                if case.urgency == Urgency.CRITICAL:
                    await alert(session, self._settings, case)
            else:
                cases.raise_urgency(case, urgency, ("fallback:processing_error",))
            inbound = log_inbound(conversation, msg, parse, event.received_at, case)
            reassure = (self._texts.safety_fallback(conversation.language),)
            await queue_replies(
                session, [Turned(conversation, contact, inbound, reassure, f"{event.id}:")]
            )
            await inbox.mark_done(session, event.id, error=type(error).__name__)
        log_safety.warning(
            "event %d handled by the fallback into case %s", event.id, case.reference
        )
        return "handled"


def content_free(event: inbox.Pending) -> MessageIn:
    """The event as a message without any of its content (kept in the inbox row)."""
    return MessageIn(
        dedup_key=str(event.event.get("dedup_key") or event.id),
        conversation_key=event.conversation_key,
        external_id="",
        text="[message content could not be stored; see the inbox event]",
    )
