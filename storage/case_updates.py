"""Guarded updates of cases and their conversations: the database decides who wins.

Taking a case over is one conditional ``UPDATE … WHERE assigned_operator_id IS NULL OR = me``:
of two operators (on one instance or several, SQLite or PostgreSQL) exactly one gets a row count
of 1. Nothing here reads a value and then writes based on it without such a guard. The rules
(who may take what, what the worker is told) are the console's (``bot.console.service``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases import OPEN_STATUSES
from storage.db import on_postgres
from storage.models import Case, Conversation, utcnow


async def lock_conversation(session: AsyncSession, conversation_id: int) -> Conversation:
    """The conversation, locked for this transaction on PostgreSQL.

    Lock order is conversation, then case: the same as the dispatcher's turns (which lock the
    conversation, then update its case); the opposite order could deadlock on PostgreSQL.
    """
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    if on_postgres(session):
        stmt = stmt.with_for_update(of=Conversation)
    conversation = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if conversation is None:  # foreign keys make this impossible
        raise LookupError("the case's conversation is missing")
    return conversation


async def assign(session: AsyncSession, case_id: int, operator_id: int, *, force: bool) -> bool:
    """Assign an open case to the operator unless someone else holds it (``force``: even then).

    Returns whether this operator won. A ``new`` case becomes ``in_progress``.
    """
    guard = and_(Case.id == case_id, Case.status.in_(OPEN_STATUSES))
    if not force:
        guard = and_(
            guard,
            or_(Case.assigned_operator_id.is_(None), Case.assigned_operator_id == operator_id),
        )
    result = await session.execute(
        update(Case)
        .where(guard)
        .values(assigned_operator_id=operator_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.status == "new")
        .values(status="in_progress")
        .execution_options(synchronize_session=False)
    )
    return True


async def unassign(session: AsyncSession, case_id: int, operator_id: int) -> bool:
    """Put the case back in the shared queue, if this operator holds it."""
    result = await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.assigned_operator_id == operator_id)
        .values(assigned_operator_id=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def first_response(session: AsyncSession, case_id: int, at: datetime) -> None:
    """The first reply of any operator is the first response (SLA); a later one never moves it."""
    await session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(
            first_response_at=func.coalesce(
                Case.first_response_at, literal(at, Case.first_response_at.type)
            ),
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
