"""Everything the case page shows, in one read: the case, who reported, the conversation with
each reply's delivery state, and the trail. The page's JSON is built by ``bot.console.views``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import entries_of, operator_names
from storage.models import AuditEntry, Case, Contact, Conversation, Message, OutboxMessage


@dataclass(frozen=True, slots=True)
class CaseView:
    """One case with everything around it."""

    case: Case
    contact: Contact
    conversation: Conversation
    messages: list[Message]  # the newest, oldest first
    outbox: dict[int, OutboxMessage]  # the outbox rows of the messages shown, by id
    entries: list[AuditEntry]
    names: dict[int, str]  # operator usernames by id


async def load(session: AsyncSession, case: Case, *, message_limit: int = 500) -> CaseView:
    """The case page's data for ``case``."""
    contact = await session.get(Contact, case.contact_id)
    conversation = await session.get(Conversation, case.conversation_id, populate_existing=True)
    if conversation is None or contact is None:  # foreign keys make this impossible
        raise LookupError("the case's conversation is missing")
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
        stmt = select(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids))
        outs = {row.id: row for row in (await session.execute(stmt)).scalars()}
    return CaseView(
        case=case,
        contact=contact,
        conversation=conversation,
        messages=messages,
        outbox=outs,
        entries=await entries_of(session, case.id),
        names=await operator_names(session),
    )


async def references_of_contacts(
    session: AsyncSession, contact_ids: list[int]
) -> dict[int, list[str]]:
    """The case references each contact filed (for a supervisor reviewing an erasure)."""
    out: dict[int, list[str]] = {}
    if not contact_ids:
        return out
    rows = await session.execute(
        select(Case.contact_id, Case.reference)
        .where(Case.contact_id.in_(contact_ids))
        .order_by(Case.id)
    )
    for contact_id, reference in rows:
        out.setdefault(contact_id, []).append(reference)
    return out


async def channels_of_contacts(session: AsyncSession, contact_ids: list[int]) -> dict[int, str]:
    """The channel each contact writes on."""
    if not contact_ids:
        return {}
    rows = await session.execute(
        select(Contact.id, Contact.channel).where(Contact.id.in_(contact_ids))
    )
    return {int(contact_id): str(channel) for contact_id, channel in rows}
