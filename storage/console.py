"""The command-centre console's queries and commands.

Everything an operator sees or changes goes through here, and every view and change writes a
``AuditEntry`` in the same transaction (``storage.cases.audit``). Taking a case over is one
conditional ``UPDATE ... WHERE assigned_operator_id IS NULL OR = me``: the database decides who
wins, so two operators (on one instance or several, SQLite or PostgreSQL) can never both hold a
case. Nothing here reads a value and then writes based on it without such a guard.

Texts sent to the worker are built by the caller (``bot.console``) and passed in, because the
storage layer does not import the flows' text catalogue.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.types import CaseSummary
from nlu.types import INTENTS, Urgency
from storage import outbox
from storage.cases import OPEN_STATUSES, STATUSES, audit, summary_of
from storage.conversations import add_message
from storage.models import (
    AuditEntry,
    Case,
    Contact,
    Conversation,
    Message,
    Operator,
    OutboxMessage,
    utcnow,
)

HANDOFF_STATE = "handoff:active"
# State-data keys the flows carry from one flow to the next (flows.common.CARRY_KEYS).
CARRIED_KEYS = frozenset({"lang_chosen", "last_ref", "last_pin", "paused"})
WINDOW = timedelta(hours=24)
WINDOW_CHANNELS = frozenset({"twilio", "whatsapp"})  # WhatsApp's 24-hour customer-care window
VIEW_AUDIT_EVERY = timedelta(minutes=10)  # live refreshes of an open case page log one view
FINAL_CASE_STATUSES = ("resolved", "closed")
# Actions that are not worth waking every console for.
QUIET_ACTIONS = frozenset({"viewed", "login", "login_failed", "exported", "dashboard_viewed"})


@dataclass(frozen=True, slots=True)
class WorkerText:
    """A message for the worker from the flows' catalogue, with its quick-reply buttons."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


class ConsoleError(Exception):
    """A console command was refused; ``kind`` is not_found, conflict, invalid or forbidden."""

    def __init__(self, kind: str, message: str) -> None:
        """Keep the kind (the API maps it to an HTTP status) and the operator-facing message."""
        super().__init__(message)
        self.kind = kind
        self.message = message


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def window_open(channel: str, last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether free text may be sent: always, except on WhatsApp 24 h after the last message."""
    if channel not in WINDOW_CHANNELS:
        return True
    return last_inbound_at is not None and now - last_inbound_at < WINDOW


# --- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the operator narrowed the queue to. Empty fields mean "any"."""

    status: str = ""  # one status; default: every open status
    country: str = ""
    category: str = ""  # an intent, or a kind prefix such as "complaint"
    channel: str = ""
    operator: str = ""  # "me", "none", or an operator id
    urgency: str = ""
    q: str = ""  # a reference, phone number or name


def _queue_select(flt: QueueFilter, me: int) -> Select[Case, Contact, str]:
    stmt = (
        select(Case, Contact, Operator.username)
        .join(Contact, Contact.id == Case.contact_id)
        .outerjoin(Operator, Operator.id == Case.assigned_operator_id)
    )
    if flt.status:
        if flt.status not in STATUSES:
            raise ConsoleError("invalid", f"unknown status {flt.status!r}")
        stmt = stmt.where(Case.status == flt.status)
    else:
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    if flt.country:
        stmt = stmt.where(func.lower(Case.country) == flt.country.strip().lower())
    if flt.category:
        if "." in flt.category:
            stmt = stmt.where(Case.intent == flt.category)
        else:
            stmt = stmt.where(Case.intent.startswith(flt.category + "."))
    if flt.channel:
        stmt = stmt.where(Case.channel == flt.channel)
    if flt.urgency:
        stmt = stmt.where(Case.urgency == flt.urgency)
    if flt.operator == "me":
        stmt = stmt.where(Case.assigned_operator_id == me)
    elif flt.operator == "none":
        stmt = stmt.where(Case.assigned_operator_id.is_(None))
    elif flt.operator.isdigit():
        stmt = stmt.where(Case.assigned_operator_id == int(flt.operator))
    query = flt.q.strip()
    if query:
        like = f"%{query}%"
        digits = "".join(ch for ch in query if ch.isdigit())
        conditions: list[ColumnElement[bool]] = [
            Case.reference.ilike(like),
            Contact.display_name.ilike(like),
            Case.affected_name.ilike(like),
        ]
        if len(digits) >= 4:
            conditions.append(Contact.phone.contains(digits))
            conditions.append(Contact.channel_user_id.contains(digits))
        stmt = stmt.where(or_(*conditions))
    return stmt


async def queue(
    session: AsyncSession, flt: QueueFilter, *, operator_id: int, limit: int = 200
) -> list[dict[str, Any]]:
    """Open cases, most urgent first, then longest waiting first."""
    stmt = (
        _queue_select(flt, operator_id)
        .order_by(Case.urgency_rank.desc(), Case.created_at.asc(), Case.id.asc())
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    now = utcnow()
    conversation_ids = [case.conversation_id for case, _c, _o in rows]
    last_messages: dict[int, datetime] = {}
    if conversation_ids:
        last_stmt = select(
            Conversation.id, Conversation.last_message_at, Conversation.state
        ).where(Conversation.id.in_(conversation_ids))
        for conv_id, last_at, _state in (await session.execute(last_stmt)).all():
            if last_at is not None:
                last_messages[conv_id] = last_at
    items = []
    for case, contact, username in rows:
        waiting_since = case.created_at
        items.append(
            {
                "id": case.id,
                "reference": case.reference,
                "intent": case.intent,
                "urgency": case.urgency,
                "urgency_reasons": list(case.urgency_reasons or []),
                "status": case.status,
                "channel": case.channel,
                "country": case.country,
                "recruitment_company": case.recruitment_company,
                "reporter": case.reporter,
                "contact_name": contact.display_name,
                "affected_name": case.affected_name,
                "assigned_operator": username,
                "assigned_operator_id": case.assigned_operator_id,
                "created_at": _iso(case.created_at),
                "waiting_seconds": int((now - waiting_since).total_seconds()),
                "first_response_at": _iso(case.first_response_at),
                "last_message_at": _iso(last_messages.get(case.conversation_id)),
                "handoff_requested": case.handoff_requested,
            }
        )
    return items


async def filter_options(session: AsyncSession) -> dict[str, list[Any]]:
    """Values the queue's filter menus offer (countries and channels seen, operators)."""
    countries = (
        await session.execute(
            select(Case.country).where(Case.country.is_not(None)).distinct().order_by(Case.country)
        )
    ).scalars()
    channels = (
        await session.execute(select(Case.channel).distinct().order_by(Case.channel))
    ).scalars()
    operators = (
        await session.execute(
            select(Operator.id, Operator.username)
            .where(Operator.active.is_(True))
            .order_by(Operator.username)
        )
    ).all()
    return {
        "statuses": list(STATUSES),
        "urgencies": [str(u) for u in reversed(Urgency)],
        "categories": [i for i in INTENTS if i.startswith("complaint.")] + ["handoff.human"],
        "countries": [c for c in countries if c],
        "channels": list(channels),
        "operators": [{"id": i, "username": u} for i, u in operators],
    }


# --- one case -------------------------------------------------------------------------------


async def get_case(session: AsyncSession, reference: str) -> Case:
    """A case by reference, or ConsoleError(not_found)."""
    cleaned = reference.strip().upper()
    case = (
        await session.execute(
            select(Case).where(Case.reference == cleaned).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if case is None:
        raise ConsoleError("not_found", f"no case {cleaned}")
    return case


async def _record_view(session: AsyncSession, case: Case, operator_id: int) -> None:
    """Audit a view, at most once per operator and case every few minutes (live refreshes)."""
    recent = await session.execute(
        select(AuditEntry.id)
        .where(
            AuditEntry.case_id == case.id,
            AuditEntry.operator_id == operator_id,
            AuditEntry.action == "viewed",
            AuditEntry.created_at > utcnow() - VIEW_AUDIT_EVERY,
        )
        .limit(1)
    )
    if recent.first() is None:
        audit(session, "viewed", case_id=case.id, operator_id=operator_id)


def _message_dict(
    message: Message, out: OutboxMessage | None, names: Mapping[int, str]
) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction,
        "origin": message.origin,
        "operator": names.get(message.operator_id) if message.operator_id else None,
        "text": message.text,
        "buttons": list(message.buttons or []),
        "media": list(message.media or []),
        "location": message.location,
        "case_id": message.case_id,
        "created_at": _iso(message.created_at),
        "nlu": _nlu_view(message.nlu),
        "delivery": None
        if out is None
        else {
            "status": out.status,
            "delivery_status": out.delivery_status,
            "error": out.last_error,
            "template": out.template,
        },
    }


def _nlu_view(nlu: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The labels an operator checks: intent with confidence, urgency and its reasons."""
    if not nlu:
        return None
    intent = nlu.get("intent")
    name = intent.get("name") if isinstance(intent, Mapping) else intent
    confidence = intent.get("confidence") if isinstance(intent, Mapping) else None
    return {
        "intent": name,
        "confidence": confidence,
        "urgency": nlu.get("urgency"),
        "urgency_reasons": list(nlu.get("urgency_reasons") or []),
        "language": nlu.get("language"),
        "entities": [
            {"entity": e.get("entity"), "value": e.get("value")}
            for e in nlu.get("entities") or []
            if isinstance(e, Mapping)
        ],
    }


async def _operator_names(session: AsyncSession) -> dict[int, str]:
    rows = (await session.execute(select(Operator.id, Operator.username))).all()
    return {int(i): str(u) for i, u in rows}


async def case_detail(
    session: AsyncSession,
    reference: str,
    *,
    operator_id: int,
    templates: Mapping[str, str] | None = None,
    message_limit: int = 500,
) -> dict[str, Any]:
    """Everything the case page shows; audited as a view.

    Args:
        session: The caller's transaction (it commits the audit entry).
        reference: The case reference.
        operator_id: Who is looking.
        templates: Approved WhatsApp template per channel, offered outside the 24-hour window.
        message_limit: The newest messages of the conversation to include.
    """
    case = await get_case(session, reference)
    contact = await session.get(Contact, case.contact_id)
    conversation = await session.get(Conversation, case.conversation_id, populate_existing=True)
    if conversation is None or contact is None:  # foreign keys make this impossible
        raise ConsoleError("not_found", "the case's conversation is missing")
    names = await _operator_names(session)
    messages = list(
        (
            await session.execute(
                select(Message)
                .where(Message.conversation_id == case.conversation_id)
                .order_by(Message.id.desc())
                .limit(message_limit)
            )
        ).scalars()
    )
    messages.reverse()
    outbox_ids = [m.outbox_id for m in messages if m.outbox_id is not None]
    outs: dict[int, OutboxMessage] = {}
    if outbox_ids:
        for row in (
            await session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids)))
        ).scalars():
            outs[row.id] = row
    events = list(
        (
            await session.execute(
                select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.id)
            )
        ).scalars()
    )
    now = utcnow()
    is_open = window_open(case.channel, contact.last_inbound_at, now)
    template = (templates or {}).get(case.channel) or None
    await _record_view(session, case, operator_id)
    return {
        "case": {
            "id": case.id,
            "reference": case.reference,
            "intent": case.intent,
            "urgency": case.urgency,
            "urgency_reasons": list(case.urgency_reasons or []),
            "status": case.status,
            "resolution": case.resolution,
            "reporter": case.reporter,
            "affected_name": case.affected_name,
            "country": case.country,
            "recruitment_company": case.recruitment_company,
            "fields": dict(case.fields or {}),
            "submitted": case.submitted,
            "handoff_requested": case.handoff_requested,
            "channel": case.channel,
            "assigned_operator_id": case.assigned_operator_id,
            "assigned_operator": names.get(case.assigned_operator_id)
            if case.assigned_operator_id
            else None,
            "created_at": _iso(case.created_at),
            "updated_at": _iso(case.updated_at),
            "first_response_at": _iso(case.first_response_at),
            "resolved_at": _iso(case.resolved_at),
            "last_worker_update": case.last_worker_update,
        },
        "contact": {
            "display_name": contact.display_name,
            "phone": contact.phone,
            "channel": contact.channel,
            "language": conversation.language or contact.language,
            "last_inbound_at": _iso(contact.last_inbound_at),
            "blocked": contact.blocked,
        },
        "conversation": {
            "id": conversation.id,
            "state": conversation.state,
            "owner_operator_id": conversation.owner_operator_id,
            "owner_operator": names.get(conversation.owner_operator_id)
            if conversation.owner_operator_id
            else None,
            # A worker who asked for a person waits in handoff:active before anyone takes over.
            "bot_silent": conversation.owner_operator_id is not None
            or conversation.state == HANDOFF_STATE,
        },
        "composer": {
            "window_open": is_open,
            "template": None if is_open else template,
            "can_send": is_open or template is not None,
        },
        "messages": [
            _message_dict(m, outs.get(m.outbox_id) if m.outbox_id else None, names)
            for m in messages
        ],
        "notes": [
            {
                "id": e.id,
                "operator": names.get(e.operator_id) if e.operator_id else None,
                "text": str(e.detail.get("text", "")),
                "created_at": _iso(e.created_at),
            }
            for e in events
            if e.action == "note"
        ],
        "history": [
            {
                "id": e.id,
                "action": e.action,
                "operator": names.get(e.operator_id) if e.operator_id else None,
                "detail": {k: v for k, v in e.detail.items() if k != "text"},
                "created_at": _iso(e.created_at),
            }
            for e in events
            if e.action not in {"note", "viewed"}
        ],
        "views": [
            {
                "operator": names.get(e.operator_id) if e.operator_id else None,
                "at": _iso(e.created_at),
            }
            for e in events
            if e.action == "viewed"
        ][-20:],
    }


# --- taking over, replying, handing back -----------------------------------------------------


async def take_over(
    session: AsyncSession, reference: str, *, operator_id: int, force: bool = False
) -> Case:
    """Assign the case to the operator and silence the bot for its conversation.

    The guard is inside the ``UPDATE``: of two operators (or two instances) racing, exactly one
    gets a row count of 1. ``force`` (supervisors) takes a case away from another operator.

    Raises:
        ConsoleError: not_found, or conflict when someone else holds the case or it is closed.
    """
    case = await get_case(session, reference)
    # Lock order conversation -> case, the same as the dispatcher's turns (which lock the
    # conversation, then update its case): the opposite order could deadlock on PostgreSQL.
    conversation = await _locked_conversation(session, case.conversation_id)
    guard = and_(Case.id == case.id, Case.status.in_(OPEN_STATUSES))
    if not force:
        guard = and_(
            guard,
            or_(Case.assigned_operator_id.is_(None), Case.assigned_operator_id == operator_id),
        )
    now = utcnow()
    result = await session.execute(
        update(Case)
        .where(guard)
        .values(assigned_operator_id=operator_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        current = await get_case(session, reference)
        if current.status not in OPEN_STATUSES:
            raise ConsoleError(
                "conflict", f"{current.reference} is {current.status}; reopen it first"
            )
        holder = await session.get(Operator, current.assigned_operator_id)
        name = holder.username if holder else "another operator"
        raise ConsoleError("conflict", f"{current.reference} is already taken by {name}")
    await session.execute(
        update(Case)
        .where(Case.id == case.id, Case.status == "new")
        .values(status="in_progress")
        .execution_options(synchronize_session=False)
    )
    previous = case.assigned_operator_id
    # The flows find the case through ``ref`` in the state data; the rest of the data (language
    # choice, answers so far) is kept.
    conversation.owner_operator_id = operator_id
    conversation.state = HANDOFF_STATE
    conversation.state_data = {**(conversation.state_data or {}), "ref": case.reference}
    conversation.updated_at = now
    await session.flush()
    detail: dict[str, Any] = {}
    if previous is not None and previous != operator_id:
        detail["from_operator_id"] = previous
    audit(session, "taken_over", case_id=case.id, operator_id=operator_id, detail=detail)
    return await get_case(session, reference)


async def _locked_conversation(session: AsyncSession, conversation_id: int) -> Conversation:
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Conversation)
    conversation = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if conversation is None:  # foreign keys make this impossible
        raise ConsoleError("not_found", "the case's conversation is missing")
    return conversation


async def _held_case(session: AsyncSession, reference: str, operator_id: int) -> Case:
    case = await get_case(session, reference)
    if case.assigned_operator_id != operator_id:
        raise ConsoleError("conflict", f"take {case.reference} over before replying to it")
    return case


@dataclass(frozen=True, slots=True)
class Sent:
    """An operator message queued in the outbox."""

    message_id: int
    outbox_id: int
    template: str | None


async def _send_to_worker(
    session: AsyncSession,
    case: Case,
    text: str,
    *,
    operator_id: int | None,
    origin: str,
    template: str | None = None,
    buttons: list[dict[str, str]] | None = None,
) -> Sent:
    conversation = await session.get(Conversation, case.conversation_id)
    contact = await session.get(Contact, case.contact_id)
    if conversation is None or contact is None:  # foreign keys make this impossible
        raise ConsoleError("not_found", "the case's conversation is missing")
    row = outbox.enqueue(
        session,
        channel=contact.channel,
        recipient=contact.channel_user_id,
        text=text,
        buttons=buttons,
        conversation_id=conversation.id,
        origin=origin,
        operator_id=operator_id,
    )
    row.template = template
    await session.flush()
    message = add_message(
        session,
        conversation,
        direction="out",
        text=text,
        origin=origin,
        case_id=case.id,
        outbox_id=row.id,
        operator_id=operator_id,
        buttons=buttons or None,
    )
    await session.flush()
    return Sent(message_id=message.id, outbox_id=row.id, template=template)


async def reply(
    session: AsyncSession,
    reference: str,
    text: str,
    *,
    operator_id: int,
    template: str | None = None,
) -> Sent:
    """Send the operator's message through the worker's own channel (via the outbox).

    Outside WhatsApp's 24-hour window free text is refused; ``template`` (the approved template
    name or Content SID, chosen by the caller from settings) is sent instead.

    Raises:
        ConsoleError: the operator does not hold the case, the text is empty, or the window is
            closed and no template was given.
    """
    text = text.strip()
    if not text and template is None:
        raise ConsoleError("invalid", "the reply is empty")
    if len(text) > 4000:
        raise ConsoleError("invalid", "the reply is longer than 4000 characters")
    case = await _held_case(session, reference, operator_id)
    if case.status in FINAL_CASE_STATUSES:
        raise ConsoleError("conflict", f"{case.reference} is {case.status}; reopen it first")
    contact = await session.get(Contact, case.contact_id)
    if contact is None:  # foreign keys make this impossible
        raise ConsoleError("not_found", "the case's contact is missing")
    if template is None and not window_open(contact.channel, contact.last_inbound_at, utcnow()):
        raise ConsoleError(
            "conflict",
            "the worker's last message is more than 24 hours old: WhatsApp only allows the "
            "approved template now",
        )
    sent = await _send_to_worker(
        session, case, text, operator_id=operator_id, origin="operator", template=template
    )
    now = utcnow()
    # The first reply of any operator is the first response (SLA); a later one never moves it.
    await session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(
            first_response_at=func.coalesce(
                Case.first_response_at, literal(now, Case.first_response_at.type)
            ),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    audit(
        session,
        "replied",
        case_id=case.id,
        operator_id=operator_id,
        detail={"outbox_id": sent.outbox_id, "template": template is not None},
    )
    return sent


async def hand_back(
    session: AsyncSession,
    reference: str,
    *,
    operator_id: int,
    text: WorkerText | None,
    supervisor: bool = False,
) -> Case:
    """Give the conversation back to the bot. The case stays assigned for follow-up.

    Args:
        session: The caller's transaction.
        reference: The case.
        operator_id: Who hands back.
        text: What the worker is told (the flows' hand-back text), or None to say nothing.
        supervisor: Supervisors may hand back a conversation another operator holds.

    Raises:
        ConsoleError: not_found, or conflict when another operator holds the conversation.
    """
    case = await get_case(session, reference)
    conversation = await _locked_conversation(session, case.conversation_id)
    owner = conversation.owner_operator_id
    if owner is not None and owner != operator_id and not supervisor:
        raise ConsoleError("conflict", "another operator holds this conversation")
    # Keep what the flows carry between flows (language choice, the last case and its PIN), so
    # the worker can still ask "cek status"; drop the rest of the hand-off state.
    kept = {k: v for k, v in (conversation.state_data or {}).items() if k in CARRIED_KEYS}
    kept["last_ref"] = case.reference
    conversation.owner_operator_id = None
    conversation.state = "idle"
    conversation.state_data = kept
    conversation.updated_at = utcnow()
    await session.flush()
    if text is not None and text.text:
        await _send_to_worker(
            session,
            case,
            text.text,
            operator_id=operator_id,
            origin="system",
            buttons=text.buttons,
        )
    audit(session, "handed_back", case_id=case.id, operator_id=operator_id)
    return case


async def release(session: AsyncSession, reference: str, *, operator_id: int) -> Case:
    """Un-assign a case (back to the shared queue) without touching the conversation."""
    case = await get_case(session, reference)
    result = await session.execute(
        update(Case)
        .where(Case.id == case.id, Case.assigned_operator_id == operator_id)
        .values(assigned_operator_id=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise ConsoleError("conflict", f"{case.reference} is not held by you")
    audit(session, "released", case_id=case.id, operator_id=operator_id)
    return await get_case(session, reference)


async def worker_language(session: AsyncSession, case: Case) -> str:
    """The language the worker is answered in (the conversation's, else the contact's, else id)."""
    conversation = await session.get(Conversation, case.conversation_id)
    contact = await session.get(Contact, case.contact_id)
    return (
        (conversation.language if conversation else None)
        or (contact.language if contact else None)
        or "id"
    )


async def change_status(
    session: AsyncSession,
    reference: str,
    status: str,
    *,
    operator_id: int,
    resolution: str | None = None,
    worker_update: str | None = None,
    render: Callable[[CaseSummary, str], WorkerText | None] | None = None,
    handback_text: WorkerText | None = None,
) -> Case:
    """Move a case to a new status, and tell the worker.

    Resolving or closing needs a resolution, and gives a conversation still held by an operator
    back to the bot (nobody would answer it otherwise).

    Args:
        session: The caller's transaction.
        reference: The case.
        status: One of ``storage.cases.STATUSES``.
        operator_id: Who changes it.
        resolution: How the case ended (required for resolved and closed).
        worker_update: A short note for the worker, shown when they ask "cek status".
        render: Builds the worker's status message from the new summary and their language.
        handback_text: Told to the worker if the bot resumes because of this change.

    Raises:
        ConsoleError: invalid status, missing resolution, or not_found.
    """
    if status not in STATUSES:
        raise ConsoleError("invalid", f"status must be one of {', '.join(STATUSES)}")
    resolution = (resolution or "").strip() or None
    if status in FINAL_CASE_STATUSES and not resolution:
        raise ConsoleError("invalid", f"say how the case was {status}: the resolution is required")
    case = await get_case(session, reference)
    before = case.status
    if before == status and not resolution and not worker_update:
        return case
    # Conversation first, then the case: the dispatcher's lock order (no deadlock).
    conversation = await _locked_conversation(session, case.conversation_id)
    now = utcnow()
    case.status = status
    case.updated_at = now
    if resolution:
        case.resolution = resolution[:4000]
    if worker_update and worker_update.strip():
        case.last_worker_update = worker_update.strip()[:1000]
    if status in FINAL_CASE_STATUSES:
        case.resolved_at = case.resolved_at or now
    else:
        case.resolved_at = None
    await session.flush()
    audit(
        session,
        "status_changed",
        case_id=case.id,
        operator_id=operator_id,
        detail={"from": before, "to": status, "resolution": bool(resolution)},
    )
    language = conversation.language or "id"
    if render is not None and before != status:
        message = render(summary_of(case), language)
        if message is not None and message.text:
            await _send_to_worker(
                session,
                case,
                message.text,
                operator_id=operator_id,
                origin="system",
                buttons=message.buttons,
            )
    handed_off = conversation.owner_operator_id is not None or conversation.state == HANDOFF_STATE
    silenced_for = (conversation.state_data or {}).get("ref")
    if status in FINAL_CASE_STATUSES and handed_off and silenced_for in (None, case.reference):
        await hand_back(
            session, reference, operator_id=operator_id, text=handback_text, supervisor=True
        )
    return case


async def add_note(session: AsyncSession, reference: str, text: str, *, operator_id: int) -> int:
    """An internal note on a case (never shown to the worker). Returns the note's id."""
    text = text.strip()
    if not text:
        raise ConsoleError("invalid", "the note is empty")
    case = await get_case(session, reference)
    event = AuditEntry(
        case_id=case.id,
        operator_id=operator_id,
        action="note",
        detail={"text": text[:8000]},
        created_at=utcnow(),
    )
    session.add(event)
    await session.flush()
    return event.id


async def correct(
    session: AsyncSession,
    reference: str,
    *,
    operator_id: int,
    intent: str | None = None,
    urgency: str | None = None,
    reason: str = "",
) -> Case:
    """Correct the NLU's category or urgency (audited with the before and after values).

    Raising urgency needs no reason; lowering it does, because a wrongly lowered critical case
    is the mistake that costs most.

    Raises:
        ConsoleError: unknown intent or urgency, or a lowering without a reason.
    """
    case = await get_case(session, reference)
    reason = reason.strip()
    changes: dict[str, Any] = {}
    if intent and intent != case.intent:
        if intent not in INTENTS:
            raise ConsoleError("invalid", f"unknown category {intent!r}")
        changes["intent"] = [case.intent, intent]
        case.intent = intent
    if urgency and urgency != case.urgency:
        try:
            new = Urgency(urgency)
        except ValueError:
            raise ConsoleError("invalid", f"unknown urgency {urgency!r}") from None
        if new.rank < case.urgency_rank and not reason:
            raise ConsoleError("invalid", "lowering the urgency needs a reason")
        changes["urgency"] = [case.urgency, str(new)]
        case.urgency = str(new)
        case.urgency_rank = new.rank
        case.urgency_reasons = [*(case.urgency_reasons or []), f"operator:{operator_id}"]
    if not changes:
        return case
    if reason:
        changes["reason"] = reason[:1000]
    case.updated_at = utcnow()
    await session.flush()
    audit(session, "corrected", case_id=case.id, operator_id=operator_id, detail=changes)
    return case


# --- live updates -----------------------------------------------------------------------------


@dataclass(slots=True)
class Cursor:
    """How far a live-update poller has read (highest ids seen)."""

    case_id: int = 0
    message_id: int = 0
    event_id: int = 0
    outbox_status: dict[int, str] = field(default_factory=dict)


async def current_cursor(session: AsyncSession) -> Cursor:
    """The newest ids now: a new subscriber only hears what happens from here on."""
    case_id = (await session.execute(select(func.max(Case.id)))).scalar() or 0
    message_id = (await session.execute(select(func.max(Message.id)))).scalar() or 0
    event_id = (await session.execute(select(func.max(AuditEntry.id)))).scalar() or 0
    return Cursor(case_id=int(case_id), message_id=int(message_id), event_id=int(event_id))


async def changes_since(session: AsyncSession, cursor: Cursor) -> list[dict[str, Any]]:
    """New cases, new messages, case changes and delivery updates after ``cursor`` (advanced).

    Polling the database (rather than an in-process bus) is what makes a console connected to
    one instance see what another instance wrote.
    """
    events: list[dict[str, Any]] = []
    for case in (
        await session.execute(select(Case).where(Case.id > cursor.case_id).order_by(Case.id))
    ).scalars():
        cursor.case_id = max(cursor.case_id, case.id)
        events.append(
            {
                "type": "case_new",
                "reference": case.reference,
                "urgency": case.urgency,
                "intent": case.intent,
            }
        )
    rows = (
        await session.execute(
            select(
                Message.id,
                Message.direction,
                Message.origin,
                Message.conversation_id,
                Case.reference,
                Case.urgency,
            )
            .outerjoin(Case, Case.id == Message.case_id)
            .where(Message.id > cursor.message_id)
            .order_by(Message.id)
        )
    ).all()
    for msg_id, direction, origin, conversation_id, reference, urgency in rows:
        cursor.message_id = max(cursor.message_id, int(msg_id))
        events.append(
            {
                "type": "message",
                "reference": reference,
                "conversation_id": conversation_id,
                "direction": direction,
                "origin": origin,
                "urgency": urgency,
            }
        )
    for event_id, action, reference, urgency in (
        await session.execute(
            select(AuditEntry.id, AuditEntry.action, Case.reference, Case.urgency)
            .outerjoin(Case, Case.id == AuditEntry.case_id)
            .where(AuditEntry.id > cursor.event_id)
            .order_by(AuditEntry.id)
        )
    ).all():
        cursor.event_id = max(cursor.event_id, int(event_id))
        if action in QUIET_ACTIONS or reference is None:
            continue
        events.append(
            {"type": "case_changed", "reference": reference, "action": action, "urgency": urgency}
        )
    # Delivery status of recent operator messages (sent → delivered → read, or failed).
    since = utcnow() - timedelta(hours=1)
    for out_id, status, delivery, conv_id in (
        await session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.delivery_status,
                OutboxMessage.conversation_id,
            ).where(OutboxMessage.origin == "operator", OutboxMessage.created_at > since)
        )
    ).all():
        key = f"{status}/{delivery}"
        if cursor.outbox_status.get(out_id) == key:
            continue
        known = out_id in cursor.outbox_status
        cursor.outbox_status[out_id] = key
        if known:
            case_reference = (
                await session.execute(
                    select(Case.reference)
                    .where(Case.conversation_id == conv_id)
                    .order_by(Case.id.desc())
                    .limit(1)
                )
            ).scalar()
            events.append({"type": "delivery", "reference": case_reference, "status": status})
    return events


# --- supervision ------------------------------------------------------------------------------


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds() / 60)


def _stats(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "median": None, "mean": None, "p90": None}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        "count": len(ordered),
        "median": round(statistics.median(ordered), 1),
        "mean": round(statistics.fmean(ordered), 1),
        "p90": round(p90, 1),
    }


def sla_breached(case: Case, sla_minutes: Mapping[str, int], now: datetime) -> bool:
    """Whether the first response came (or is still missing) later than the urgency's target."""
    target = sla_minutes.get(case.urgency)
    if target is None:
        return False
    responded = case.first_response_at or (case.resolved_at if case.status != "new" else None)
    end = responded or now
    return end - case.created_at > timedelta(minutes=target)


async def _cases_between(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[Case, str | None]]:
    return [
        (case, username)
        for case, username in (
            await session.execute(
                select(Case, Operator.username)
                .outerjoin(Operator, Operator.id == Case.assigned_operator_id)
                .where(Case.created_at >= since, Case.created_at < until)
                .order_by(Case.created_at)
            )
        ).all()
    ]


def _week(value: datetime) -> str:
    year, week, _ = value.isocalendar()
    return f"{year}-W{week:02d}"


async def dashboard(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    sla_minutes: Mapping[str, int],
    operator_id: int,
) -> dict[str, Any]:
    """Aggregates for supervisors over cases created in [since, until).

    Computed in Python over one query: the ministry's volumes (thousands of cases a month) fit in
    memory easily, and it keeps the numbers identical on SQLite and PostgreSQL.
    """
    now = utcnow()
    rows = await _cases_between(session, since, until)
    by_category: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    by_urgency: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    by_week: Counter[str] = Counter()
    first_response: dict[str, list[float]] = defaultdict(list)
    resolution: dict[str, list[float]] = defaultdict(list)
    breaches: Counter[str] = Counter()
    open_breaches: list[dict[str, Any]] = []
    companies: dict[str, dict[str, Any]] = {}
    for case, username in rows:
        by_category[case.intent] += 1
        by_country[case.country or "(unknown)"] += 1
        by_urgency[case.urgency] += 1
        by_status[case.status] += 1
        by_week[_week(case.created_at)] += 1
        fr = _minutes(case.created_at, case.first_response_at)
        if fr is not None:
            first_response[case.urgency].append(fr)
            first_response["all"].append(fr)
        rs = _minutes(case.created_at, case.resolved_at)
        if rs is not None:
            resolution[case.urgency].append(rs)
            resolution["all"].append(rs)
        if sla_breached(case, sla_minutes, now):
            breaches[case.urgency] += 1
            if case.status in OPEN_STATUSES and case.first_response_at is None:
                open_breaches.append(
                    {
                        "reference": case.reference,
                        "urgency": case.urgency,
                        "intent": case.intent,
                        "waiting_minutes": round((now - case.created_at).total_seconds() / 60),
                        "assigned_operator": username,
                    }
                )
        if case.recruitment_company and case.intent.startswith("complaint."):
            key = case.recruitment_company.strip()
            entry = companies.setdefault(
                key.casefold(),
                {
                    "company": key,
                    "complaints": 0,
                    "open": 0,
                    "critical": 0,
                    "categories": Counter(),
                },
            )
            entry["complaints"] += 1
            entry["open"] += case.status in OPEN_STATUSES
            entry["critical"] += case.urgency == "critical"
            entry["categories"][case.intent] += 1
    company_rows = sorted(companies.values(), key=lambda e: (-e["complaints"], e["company"]))
    for entry in company_rows:
        entry["top_category"] = entry.pop("categories").most_common(1)[0][0]
    weeks = []
    cursor = since - timedelta(days=since.weekday())
    while cursor < until:
        weeks.append(_week(cursor))
        cursor += timedelta(days=7)
    audit(
        session,
        "dashboard_viewed",
        operator_id=operator_id,
        detail={"since": since.isoformat(), "until": until.isoformat()},
    )
    urgencies = [str(u) for u in reversed(Urgency)]
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "total": len(rows),
        "by_category": by_category.most_common(),
        "by_country": by_country.most_common(),
        "by_urgency": [(u, by_urgency[u]) for u in urgencies if by_urgency[u]],
        "by_status": [(s, by_status[s]) for s in STATUSES if by_status[s]],
        "by_week": [(w, by_week[w]) for w in dict.fromkeys([*weeks, *sorted(by_week)])],
        "first_response_minutes": {
            k: _stats(first_response[k]) for k in ["all", *urgencies] if k in first_response
        },
        "resolution_minutes": {
            k: _stats(resolution[k]) for k in ["all", *urgencies] if k in resolution
        },
        "sla_minutes": dict(sla_minutes),
        "sla_breaches": {u: breaches[u] for u in urgencies if u in sla_minutes},
        "open_breaches": sorted(open_breaches, key=lambda b: -b["waiting_minutes"])[:50],
        "companies": company_rows[:100],
    }


CSV_COLUMNS = (
    "reference",
    "created_at",
    "channel",
    "category",
    "urgency",
    "status",
    "reporter",
    "country",
    "recruitment_company",
    "assigned_operator",
    "first_response_at",
    "first_response_minutes",
    "resolved_at",
    "resolution_minutes",
    "sla_breached",
)


async def export_csv(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    sla_minutes: Mapping[str, int],
    operator_id: int,
) -> str:
    """Cases created in [since, until) as CSV (audited).

    No names, phone numbers or free text: the export is for statistics and P3MI ratings, and
    files travel further than the console.
    """
    now = utcnow()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = await _cases_between(session, since, until)
    for case, username in rows:
        fr = _minutes(case.created_at, case.first_response_at)
        rs = _minutes(case.created_at, case.resolved_at)
        writer.writerow(
            [
                case.reference,
                case.created_at.isoformat(),
                case.channel,
                case.intent,
                case.urgency,
                case.status,
                case.reporter,
                case.country or "",
                _csv_safe(case.recruitment_company or ""),
                username or "",
                _iso(case.first_response_at) or "",
                "" if fr is None else round(fr, 1),
                _iso(case.resolved_at) or "",
                "" if rs is None else round(rs, 1),
                "yes" if sla_breached(case, sla_minutes, now) else "no",
            ]
        )
    audit(
        session,
        "exported",
        operator_id=operator_id,
        detail={"since": since.isoformat(), "until": until.isoformat(), "rows": len(rows)},
    )
    return buffer.getvalue()


def _csv_safe(value: str) -> str:
    """Defuse spreadsheet formulas in values typed by the public (CSV injection)."""
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


async def audit_log(
    session: AsyncSession, *, limit: int = 200, before_id: int | None = None
) -> list[dict[str, Any]]:
    """The newest audit entries across all cases (supervisors), notes' text left out."""
    names = await _operator_names(session)
    stmt = (
        select(AuditEntry, Case.reference)
        .outerjoin(Case, Case.id == AuditEntry.case_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return [
        {
            "id": event.id,
            "action": event.action,
            "reference": reference,
            "operator": names.get(event.operator_id) if event.operator_id else None,
            "detail": {k: v for k, v in event.detail.items() if k != "text"},
            "created_at": _iso(event.created_at),
        }
        for event, reference in (await session.execute(stmt)).all()
    ]
