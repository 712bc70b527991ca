"""Erasure and retention of workers' personal data (UU 27/2022; docs/privacy.md).

Two things happen here, both as guarded updates in the caller's transaction:

* **Erasure on request**: a person asks in chat ("hapus data saya"), a supervisor reviews the
  request in the console and carries it out. What identifies the person is erased; what the law
  and oversight need is kept (the audit trail of who saw and changed what, with note texts
  blanked; case rows reduced to category, urgency, country, company, status and dates for
  statistics).
* **Retention**: messages of people who never consented and have no case are kept for a limited
  time (``SIAGA_UNCONSENTED_RETENTION_DAYS``), then their text is erased. A person with a case
  has consented, or was in danger (the vital-interest basis of the critical path): their
  messages stay with the case.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import audit
from storage.cases import CLOSED_STATUSES
from storage.models import (
    AuditEntry,
    Case,
    Contact,
    Conversation,
    ErasureRequest,
    InboxEvent,
    Message,
    OutboxMessage,
    PinAttempt,
    utcnow,
)

ERASED = ""  # what an erased message text becomes
ERASED_RESOLUTION = "Data dihapus atas permintaan pemilik data (UU 27/2022)."
# Case answers that say nothing about who the person is: kept for statistics.
KEPT_FIELDS = frozenset({"reporter", "country", "documented", "safe_contact", "category"})


class PrivacyError(Exception):
    """A request that cannot be carried out (unknown, or already decided)."""


@dataclass(frozen=True, slots=True)
class Erased:
    """What an erasure removed (counts), and the stored media files the caller must delete."""

    messages: int
    cases: int
    inbox_events: int
    outbox_rows: int
    notes: int
    media_keys: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        """The counts, as kept with the request."""
        return {
            "messages": self.messages,
            "cases": self.cases,
            "inbox_events": self.inbox_events,
            "outbox_rows": self.outbox_rows,
            "notes": self.notes,
            "media_files": len(self.media_keys),
        }


async def request_erasure(session: AsyncSession, contact_id: int, note: str = "") -> int:
    """Record a person's request (one pending request per contact). Returns its id."""
    pending = await session.scalar(
        select(ErasureRequest.id).where(
            ErasureRequest.contact_id == contact_id, ErasureRequest.status == "pending"
        )
    )
    if pending is not None:
        return int(pending)
    request = ErasureRequest(contact_id=contact_id, status="pending", note=note or None)
    session.add(request)
    await session.flush()
    audit(session, "erasure_requested", detail={"request_id": request.id})
    return int(request.id)


async def pending_requests(session: AsyncSession) -> list[ErasureRequest]:
    """Requests waiting for a supervisor, oldest first."""
    rows = await session.scalars(
        select(ErasureRequest)
        .where(ErasureRequest.status == "pending")
        .order_by(ErasureRequest.requested_at)
    )
    return list(rows)


async def refuse(session: AsyncSession, request_id: int, operator_id: int, reason: str) -> None:
    """Refuse a request, with the reason (e.g. a legal hold), audited."""
    request = await _pending(session, request_id)
    request.status = "refused"
    request.decided_at = utcnow()
    request.decided_by = operator_id
    request.note = reason[:1000]
    audit(session, "erasure_refused", operator_id=operator_id, detail={"request_id": request_id})


async def execute(session: AsyncSession, request_id: int, operator_id: int) -> Erased:
    """Carry a request out: erase what identifies the contact, keep the audit trail and stats.

    Raises:
        PrivacyError: unknown request, or one already decided.
    """
    request = await _pending(session, request_id)
    erased = await erase_contact(session, request.contact_id)
    request.status = "done"
    request.decided_at = utcnow()
    request.decided_by = operator_id
    request.erased = erased.counts()
    audit(
        session,
        "erasure_done",
        operator_id=operator_id,
        detail={"request_id": request_id, **erased.counts()},
    )
    return erased


async def _pending(session: AsyncSession, request_id: int) -> ErasureRequest:
    request = await session.get(ErasureRequest, request_id, with_for_update=True)
    if request is None:
        raise PrivacyError(f"no erasure request {request_id}")
    if request.status != "pending":
        raise PrivacyError(f"request {request_id} is already {request.status}")
    return request


async def erase_contact(session: AsyncSession, contact_id: int) -> Erased:
    """Erase everything that identifies one contact (see the module docstring)."""
    contact = await session.get(Contact, contact_id, with_for_update=True)
    if contact is None:
        raise PrivacyError(f"no contact {contact_id}")
    conversation_ids = list(
        await session.scalars(select(Conversation.id).where(Conversation.contact_id == contact_id))
    )
    media_keys = await _media_keys(session, conversation_ids)
    messages = await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(conversation_ids))
        .values(text=ERASED, media=None, location=None, nlu=None, buttons=None, payload=None)
    )
    outbox_rows = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.conversation_id.in_(conversation_ids))
        .values(text=ERASED, buttons=None)
    )
    inbox_events = await session.execute(
        update(InboxEvent)
        .where(
            InboxEvent.channel == contact.channel,
            InboxEvent.conversation_key == contact.channel_user_id,
            InboxEvent.status != "pending",
        )
        .values(event={"erased": True})
    )
    case_ids = list(await session.scalars(select(Case.id).where(Case.contact_id == contact_id)))
    notes = 0
    for case in await session.scalars(select(Case).where(Case.id.in_(case_ids))):
        case.fields = {k: v for k, v in (case.fields or {}).items() if k in KEPT_FIELDS}
        case.affected_name = None
        case.last_worker_update = None
        case.urgency_reasons = []
        if case.status not in CLOSED_STATUSES:
            case.status = "closed"
            case.resolved_at = utcnow()
        case.resolution = ERASED_RESOLUTION
    for entry in await session.scalars(
        select(AuditEntry).where(AuditEntry.case_id.in_(case_ids), AuditEntry.action == "note")
    ):
        entry.detail = {
            **{k: v for k, v in (entry.detail or {}).items() if k != "text"},
            "text": "",
        }
        notes += 1
    await session.execute(
        delete(PinAttempt).where(PinAttempt.conversation_id.in_(conversation_ids))
    )
    for conversation in await session.scalars(
        select(Conversation).where(Conversation.id.in_(conversation_ids))
    ):
        conversation.state = "idle"
        conversation.state_data = {}
        conversation.owner_operator_id = None
    contact.display_name = None
    contact.phone = None
    contact.alt_user_id = None
    # The channel identity is a phone number on WhatsApp: it goes too. A new message from the
    # same person starts afresh as a new contact.
    contact.channel_user_id = f"erased:{contact.id}"
    contact.blocked = False
    # Advisories (docs/advisories.md): the country and the opt-in go, and nothing queued for
    # this person is sent any more.
    contact.country = None
    contact.advisory_opt_in = None
    contact.advisory_opt_in_at = None
    contact.advisory_opt_in_channel = None
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.conversation_id.in_(conversation_ids),
            OutboxMessage.advisory_id.is_not(None),
            OutboxMessage.status == "pending",
        )
        .values(status="cancelled", last_error="erased")
    )
    await session.flush()
    return Erased(
        messages=_count(messages),
        cases=len(case_ids),
        inbox_events=_count(inbox_events),
        outbox_rows=_count(outbox_rows),
        notes=notes,
        media_keys=tuple(media_keys),
    )


async def _media_keys(session: AsyncSession, conversation_ids: Collection[int]) -> list[str]:
    keys: list[str] = []
    rows = await session.scalars(
        select(Message.media).where(
            Message.conversation_id.in_(conversation_ids), Message.media.is_not(None)
        )
    )
    for media in rows:
        keys += [str(m.get("url")) for m in media or () if isinstance(m, dict) and m.get("url")]
    return keys


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_unconsented(session: AsyncSession, older_than: datetime) -> int:
    """Erase the text of old messages from contacts who never consented and have no case.

    Returns how many messages were erased. Runs in batches the caller commits.
    """
    no_consent = Contact.consent_given.is_not(True)
    has_case = exists().where(Case.contact_id == Contact.id)
    conversations = (
        select(Conversation.id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(and_(no_consent, ~has_case))
    )
    result = await session.execute(
        update(Message)
        .where(
            Message.conversation_id.in_(conversations),
            Message.created_at < older_than,
            Message.text != ERASED,
        )
        .values(text=ERASED, media=None, location=None, nlu=None)
        .execution_options(synchronize_session=False)
    )
    unconsented_sender = exists().where(
        Contact.channel == InboxEvent.channel,
        Contact.channel_user_id == InboxEvent.conversation_key,
        no_consent,
        ~has_case,
    )
    await session.execute(
        update(InboxEvent)
        .where(
            InboxEvent.status == "done",
            InboxEvent.received_at < older_than,
            unconsented_sender,
        )
        .values(event={"erased": True})
        .execution_options(synchronize_session=False)
    )
    return _count(result)
