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
