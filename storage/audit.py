"""The audit trail: who saw and changed what, written in the same transaction as the change.

Every case view (at most once per operator and case every few minutes), every change to a case,
every login and account change is one :class:`storage.models.AuditEntry`. Writing it in the
caller's transaction means the trail cannot miss a change that happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Case, Operator, utcnow

VIEW_AUDIT_EVERY = timedelta(minutes=10)  # live refreshes of an open case page log one view


def audit(
    session: AsyncSession,
    action: str,
    *,
    case_id: int | None = None,
    operator_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Write one audit-trail entry (who, what, when) in the caller's transaction."""
    session.add(
        AuditEntry(
            case_id=case_id,
            operator_id=operator_id,
            action=action,
            detail=dict(detail or {}),
            created_at=utcnow(),
        )
    )


async def note(session: AsyncSession, case_id: int, operator_id: int, text: str) -> int:
    """An operator's internal note on a case (never shown to the worker); returns its id."""
    entry = AuditEntry(
        case_id=case_id,
        operator_id=operator_id,
        action="note",
        detail={"text": text},
        created_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    return entry.id


async def record_view(session: AsyncSession, case_id: int, operator_id: int) -> None:
    """Audit a view, at most once per operator and case every few minutes (live refreshes)."""
    recent = await session.execute(
        select(AuditEntry.id)
        .where(
            AuditEntry.case_id == case_id,
            AuditEntry.operator_id == operator_id,
            AuditEntry.action == "viewed",
            AuditEntry.created_at > utcnow() - VIEW_AUDIT_EVERY,
        )
        .limit(1)
    )
    if recent.first() is None:
        audit(session, "viewed", case_id=case_id, operator_id=operator_id)


async def entries_of(session: AsyncSession, case_id: int) -> list[AuditEntry]:
    """A case's trail, oldest first (views, changes, notes)."""
    stmt = select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)
    return list((await session.execute(stmt)).scalars())


async def newest(
    session: AsyncSession, *, limit: int = 200, before_id: int | None = None
) -> list[tuple[AuditEntry, str | None]]:
    """The newest entries across all cases, with their case reference (None: not a case's)."""
    stmt = (
        select(AuditEntry, Case.reference)
        .outerjoin(Case, Case.id == AuditEntry.case_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return [(entry, reference) for entry, reference in (await session.execute(stmt)).all()]


async def operator_names(session: AsyncSession) -> dict[int, str]:
    """Every operator's username by id (shown beside entries and messages)."""
    rows = (await session.execute(select(Operator.id, Operator.username))).all()
    return {int(i): str(u) for i, u in rows}
