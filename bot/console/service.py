"""The console's commands: take over, release, reply, hand back, change status, note, correct.

Each command runs in the caller's transaction, checks the console's rules (who may do what, what
the worker is told, WhatsApp's reply window), changes the conversation through the flows' own
hand-off transitions (``flows.handoff``), lets storage save what it is given (guarded updates in
``storage.case_updates``), and writes the audit entry in the same transaction. The API handlers
(``bot.console.api``) only map requests to these calls and :class:`ConsoleError` to a status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.registry import reply_window_open
from flows import handoff
from flows.router import handback_reply, status_change_reply
from flows.status import unsafe_to_message
from flows.types import Reply
from nlu.types import INTENTS, Urgency
from storage import case_updates, conversations, outbox, reports
from storage.audit import audit
from storage.audit import note as audit_note
from storage.cases import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    STATUSES,
    by_reference,
    set_urgency,
    summary_of,
)
from storage.models import Case, Contact, Conversation, Operator, utcnow

MAX_REPLY = 4000


class ConsoleError(Exception):
    """A console command was refused; ``kind`` is not_found, conflict, invalid or forbidden."""

    def __init__(self, kind: str, message: str) -> None:
        """Keep the kind (the API maps it to an HTTP status) and the operator-facing message."""
        super().__init__(message)
        self.kind = kind
        self.message = message


async def get_case(session: AsyncSession, reference: str) -> Case:
    """A case by reference, read fresh, or ConsoleError(not_found)."""
    case = await by_reference(session, reference, fresh=True)
    if case is None:
        raise ConsoleError("not_found", f"no case {reference.strip().upper()}")
    return case


async def _check_holder(
    session: AsyncSession, case: Case, operator_id: int, *, supervisor: bool
) -> None:
    """The ownership rule, the same for every command that changes a case (docs/console.md).

    A case nobody holds is open to every operator; a case someone took over is changed only by
    them or by a supervisor. Reading it and adding an internal note stay open to colleagues.

    Raises:
        ConsoleError: conflict, naming the holder.
    """
    holder_id = case.assigned_operator_id
    if holder_id is None or holder_id == operator_id or supervisor:
        return
    holder = await session.get(Operator, holder_id)
    name = holder.username if holder else "another operator"
    raise ConsoleError(
        "conflict", f"{case.reference} is held by {name}: only they or a supervisor may change it"
    )


async def _conversation(session: AsyncSession, case: Case) -> Conversation:
    """The case's conversation, locked (conversation first, then case: no deadlock)."""
    try:
        return await case_updates.lock_conversation(session, case.conversation_id)
    except LookupError as exc:
        raise ConsoleError("not_found", str(exc)) from None


def worker_language(conversation: Conversation) -> str:
    """The language the worker is answered in: the conversation's, else Indonesian."""
    return conversation.language or "id"


@dataclass(frozen=True, slots=True)
class Sent:
    """An operator message queued in the outbox."""

    message_id: int
    outbox_id: int
    template: str | None


async def _send_to_worker(
    session: AsyncSession,
    case: Case,
    reply: Reply,
    *,
    operator_id: int | None,
    origin: str,
    template: str | None = None,
) -> Sent:
    """Queue a message for the worker through their channel, and log it in the conversation."""
    conversation = await session.get(Conversation, case.conversation_id)
    contact = await session.get(Contact, case.contact_id)
    if conversation is None or contact is None:  # foreign keys make this impossible
        raise ConsoleError("not_found", "the case's conversation is missing")
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    row = outbox.enqueue(
        session,
        channel=contact.channel,
        recipient=contact.channel_user_id,
        text=reply.text,
        buttons=buttons,
        conversation_id=conversation.id,
        origin=origin,
        operator_id=operator_id,
    )
    row.template = template
    await session.flush()
    message = conversations.add_message(
        session,
        conversation,
        direction="out",
        text=reply.logged_text(),
        origin=origin,
        case_id=case.id,
        outbox_id=row.id,
        operator_id=operator_id,
        buttons=buttons or None,
    )
    await session.flush()
    return Sent(message_id=message.id, outbox_id=row.id, template=template)


# --- taking over, replying, handing back -------------------------------------------------------


async def take_over(
    session: AsyncSession, reference: str, *, operator_id: int, force: bool = False
) -> Case:
    """Assign the case to the operator and silence the bot for its conversation.

    ``force`` (supervisors) takes a case away from another operator.

    Raises:
        ConsoleError: not_found, or conflict when someone else holds the case or it is closed.
    """
    case = await get_case(session, reference)
    conversation = await _conversation(session, case)
    if not await case_updates.assign(session, case.id, operator_id, force=force):
        current = await get_case(session, reference)
        if current.status not in OPEN_STATUSES:
            raise ConsoleError(
                "conflict", f"{current.reference} is {current.status}; reopen it first"
            )
        holder = await session.get(Operator, current.assigned_operator_id)
        name = holder.username if holder else "another operator"
        raise ConsoleError("conflict", f"{current.reference} is already taken by {name}")
    previous = case.assigned_operator_id
    joined_before = conversation.owner_operator_id is not None
    conversation.owner_operator_id = operator_id
    conversations.save_state(
        conversation,
        handoff.taken_over(conversations.state_of(conversation), case.reference, case.country),
    )
    await session.flush()
    if not joined_before:
        # The worker feels the hand-off: a person is now in the conversation.
        joined = handoff.joined_reply(worker_language(conversation))
        await _send_to_worker(session, case, joined, operator_id=operator_id, origin="system")
    detail: dict[str, Any] = {}
    if previous is not None and previous != operator_id:
        detail["from_operator_id"] = previous
    audit(session, "taken_over", case_id=case.id, operator_id=operator_id, detail=detail)
    return await get_case(session, reference)


async def release(session: AsyncSession, reference: str, *, operator_id: int) -> Case:
    """Un-assign a case (back to the shared queue) without touching the conversation."""
    case = await get_case(session, reference)
    if not await case_updates.unassign(session, case.id, operator_id):
        raise ConsoleError("conflict", f"{case.reference} is not held by you")
    audit(session, "released", case_id=case.id, operator_id=operator_id)
    return await get_case(session, reference)


async def reply(
    session: AsyncSession,
    reference: str,
    text: str,
    *,
    operator_id: int,
    template: str | None = None,
) -> Sent:
    """Send the operator's message through the worker's own channel (via the outbox).

    Outside the channel's reply window (WhatsApp: 24 hours) free text is refused; ``template``
    (the approved template, chosen by the caller from the channel's settings) is sent instead.

    Raises:
        ConsoleError: the operator does not hold the case, the text is empty, or the window is
            closed and no template was given.
    """
    text = text.strip()
    if not text and template is None:
        raise ConsoleError("invalid", "the reply is empty")
    if len(text) > MAX_REPLY:
        raise ConsoleError("invalid", f"the reply is longer than {MAX_REPLY} characters")
    case = await get_case(session, reference)
    if case.assigned_operator_id != operator_id:
        raise ConsoleError("conflict", f"take {case.reference} over before replying to it")
    if case.status in CLOSED_STATUSES:
        raise ConsoleError("conflict", f"{case.reference} is {case.status}; reopen it first")
    contact = await session.get(Contact, case.contact_id)
    if contact is None:  # foreign keys make this impossible
        raise ConsoleError("not_found", "the case's contact is missing")
    if template is None and not reply_window_open(
        contact.channel, contact.last_inbound_at, utcnow()
    ):
        raise ConsoleError(
            "conflict",
            "the worker's last message is more than 24 hours old: WhatsApp only allows the "
            "approved template now",
        )
    sent = await _send_to_worker(
        session, case, Reply(text), operator_id=operator_id, origin="operator", template=template
    )
    await case_updates.first_response(session, case.id, utcnow())
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
    supervisor: bool = False,
) -> Case:
    """Give the conversation back to the bot. The case stays assigned for follow-up.

    Args:
        session: The caller's transaction.
        reference: The case.
        operator_id: Who hands back.
        supervisor: Supervisors may hand back a conversation another operator holds.

    Raises:
        ConsoleError: not_found, or conflict when another operator holds the conversation.
    """
    case = await get_case(session, reference)
    await _check_holder(session, case, operator_id, supervisor=supervisor)
    conversation = await _conversation(session, case)
    owner = conversation.owner_operator_id
    if owner is not None and owner != operator_id and not supervisor:
        raise ConsoleError("conflict", "another operator holds this conversation")
    conversation.owner_operator_id = None
    conversations.save_state(
        conversation, handoff.handed_back(conversations.state_of(conversation), case.reference)
    )
    await session.flush()
    message = handback_reply(worker_language(conversation))
    await _send_to_worker(session, case, message, operator_id=operator_id, origin="system")
    audit(session, "handed_back", case_id=case.id, operator_id=operator_id)
    return case


async def change_status(
    session: AsyncSession,
    reference: str,
    status: str,
    *,
    operator_id: int,
    supervisor: bool = False,
    resolution: str | None = None,
    worker_update: str | None = None,
    notify_worker: bool = True,
) -> Case:
    """Move a case to a new status, and tell the worker.

    Resolving or closing needs a resolution, and gives a conversation still held by an operator
    (or waiting for one) back to the bot: nobody would answer it otherwise.

    Args:
        session: The caller's transaction.
        reference: The case.
        status: One of ``storage.cases.STATUSES``.
        operator_id: Who changes it.
        supervisor: Supervisors may change a case another operator holds.
        resolution: How the case ended (required for resolved and closed).
        worker_update: A short note for the worker, shown when they ask "cek status".
        notify_worker: Send the worker the flows' status-change message.

    Raises:
        ConsoleError: invalid status, missing resolution, not_found, or conflict when another
            operator holds the case.
    """
    if status not in STATUSES:
        raise ConsoleError("invalid", f"status must be one of {', '.join(STATUSES)}")
    resolution = (resolution or "").strip() or None
    if status in CLOSED_STATUSES and not resolution:
        raise ConsoleError("invalid", f"say how the case was {status}: the resolution is required")
    case = await get_case(session, reference)
    await _check_holder(session, case, operator_id, supervisor=supervisor)
    before = case.status
    if before == status and not resolution and not worker_update:
        return case
    conversation = await _conversation(session, case)
    now = utcnow()
    case.status = status
    case.updated_at = now
    if resolution:
        case.resolution = resolution[:4000]
    if worker_update and worker_update.strip():
        case.last_worker_update = worker_update.strip()[:1000]
    case.resolved_at = (case.resolved_at or now) if status in CLOSED_STATUSES else None
    await session.flush()
    audit(
        session,
        "status_changed",
        case_id=case.id,
        operator_id=operator_id,
        detail={"from": before, "to": status, "resolution": bool(resolution)},
    )
    quiet = unsafe_to_message(case.fields or {})
    if notify_worker and before != status and quiet:
        audit(session, "worker_not_notified", case_id=case.id, operator_id=operator_id,
              detail={"reason": quiet})  # fmt: skip
    elif notify_worker and before != status:
        message = status_change_reply(summary_of(case), worker_language(conversation))
        await _send_to_worker(session, case, message, operator_id=operator_id, origin="system")
    state = conversations.state_of(conversation)
    if (
        status in CLOSED_STATUSES
        and handoff.bot_silent(state, conversation.owner_operator_id)
        and handoff.silenced_for(state) in (None, case.reference)
    ):
        await hand_back(session, reference, operator_id=operator_id, supervisor=True)
    return case


async def dashboard(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    sla_minutes: Mapping[str, int],
    operator_id: int,
) -> dict[str, Any]:
    """The supervision figures of a period (``storage.reports``); looking at them is audited."""
    data = await reports.dashboard(session, since=since, until=until, sla_minutes=sla_minutes)
    audit(
        session,
        "dashboard_viewed",
        operator_id=operator_id,
        detail={"since": since.isoformat(), "until": until.isoformat()},
    )
    return data


async def add_note(session: AsyncSession, reference: str, text: str, *, operator_id: int) -> int:
    """An internal note on a case (never shown to the worker). Returns the note's id."""
    text = text.strip()
    if not text:
        raise ConsoleError("invalid", "the note is empty")
    case = await get_case(session, reference)
    return await audit_note(session, case.id, operator_id, text[:8000])


async def correct(
    session: AsyncSession,
    reference: str,
    *,
    operator_id: int,
    supervisor: bool = False,
    intent: str | None = None,
    urgency: str | None = None,
    reason: str = "",
) -> Case:
    """Correct the NLU's category or urgency (audited with the before and after values).

    Raising urgency needs no reason; lowering it does, because a wrongly lowered critical case
    is the mistake that costs most.

    Raises:
        ConsoleError: unknown intent or urgency, a lowering without a reason, or conflict when
            another operator holds the case (``supervisor`` may correct it anyway).
    """
    case = await get_case(session, reference)
    await _check_holder(session, case, operator_id, supervisor=supervisor)
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
        set_urgency(case, new, (f"operator:{operator_id}",))
    if not changes:
        return case
    if reason:
        changes["reason"] = reason[:1000]
    case.updated_at = utcnow()
    await session.flush()
    audit(session, "corrected", case_id=case.id, operator_id=operator_id, detail=changes)
    return case
