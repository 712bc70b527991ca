"""The command-centre queue: open cases, most urgent first, then longest waiting, filtered.

Plain queries; what each row looks like on the page is the console's business
(``bot.console.views``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases import OPEN_STATUSES
from storage.models import Case, Contact, Conversation, Operator


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the operator narrowed the queue to. Empty fields mean "any"; values are valid."""

    status: str = ""  # one status; default: every open status
    country: str = ""
    category: str = ""  # an intent, or a kind prefix such as "complaint"
    channel: str = ""
    operator: str = ""  # "me", "none", or an operator id
    urgency: str = ""
    q: str = ""  # a reference, phone number or name


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One case in the queue, with who reported it and who holds it."""

    case: Case
    contact: Contact
    assigned_operator: str | None
    last_message_at: datetime | None


def _select(flt: QueueFilter, me: int) -> Select[Case, Contact, str]:
    stmt = (
        select(Case, Contact, Operator.username)
        .join(Contact, Contact.id == Case.contact_id)
        .outerjoin(Operator, Operator.id == Case.assigned_operator_id)
    )
    if flt.status:
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


async def open_cases(
    session: AsyncSession, flt: QueueFilter, *, operator_id: int, limit: int = 200
) -> list[QueueRow]:
    """Open cases, most urgent first, then longest waiting first."""
    stmt = (
        _select(flt, operator_id)
        .order_by(Case.urgency_rank.desc(), Case.created_at.asc(), Case.id.asc())
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    conversation_ids = [case.conversation_id for case, _c, _o in rows]
    last_messages: dict[int, datetime] = {}
    if conversation_ids:
        last_stmt = select(Conversation.id, Conversation.last_message_at).where(
            Conversation.id.in_(conversation_ids)
        )
        for conv_id, last_at in (await session.execute(last_stmt)).all():
            if last_at is not None:
                last_messages[conv_id] = last_at
    return [
        QueueRow(case, contact, username, last_messages.get(case.conversation_id))
        for case, contact, username in rows
    ]


@dataclass(frozen=True, slots=True)
class FilterValues:
    """Values seen in the data that the queue's filter menus offer."""

    countries: list[str]
    channels: list[str]
    operators: list[tuple[int, str]]  # active operators (id, username)


async def filter_values(session: AsyncSession) -> FilterValues:
    """Countries and channels that cases have, and the active operators."""
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
    return FilterValues(
        countries=[c for c in countries if c],
        channels=list(channels),
        operators=[(int(i), str(u)) for i, u in operators],
    )
