"""The audit trail: who saw and changed what, written in the same transaction as the change.

Every case view (at most once per operator and case every few minutes), every change to a case,
every login and account change is one :class:`storage.models.AuditEntry`. Writing it in the
caller's transaction means the trail cannot miss a change that happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Case, Message, Operator, utcnow

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


@dataclass(frozen=True, slots=True)
class CorrectedCase:
    """A case whose labels operators corrected: the material of ``siaga nlu corrections``."""

    reference: str
    text: str  # the message that opened the case
    was: tuple[str, str]  # (intent, urgency) before the first correction
    now: tuple[str, str]  # after the last one
    reasons: tuple[str, ...]
    known_names: tuple[str, ...]  # names and places the case holds, for masking


# Answers of the intake that name a person, a company or a place (flows/casefile.py).
_NAME_FIELDS = (
    "name",
    "worker_name",
    "employer",
    "agency_abroad",
    "p3mi",
    "city",
    "reporter_name",
)


async def label_corrections(session: AsyncSession) -> list[CorrectedCase]:
    """Every case with a "corrected" audit entry, oldest correction first.

    The labels before are those of the first correction's "before" values (what the NLU said),
    the labels after are the case's current ones. The text is the first message the worker
    sent into the case.
    """
    rows = (
        await session.execute(
            select(AuditEntry, Case)
            .join(Case, Case.id == AuditEntry.case_id)
            .where(AuditEntry.action == "corrected")
            .order_by(AuditEntry.id)
        )
    ).all()
    by_case: dict[int, list[tuple[AuditEntry, Case]]] = {}
    for entry, case in rows:
        by_case.setdefault(case.id, []).append((entry, case))
    if not by_case:
        return []
    first_in = (
        select(Message.case_id, func.min(Message.id).label("first_id"))
        .where(
            Message.case_id.in_(list(by_case)),
            Message.direction == "in",
            Message.origin == "user",
        )
        .group_by(Message.case_id)
        .subquery()
    )
    texts = dict(
        (
            await session.execute(
                select(Message.case_id, Message.text).join(
                    first_in, Message.id == first_in.c.first_id
                )
            )
        ).all()
    )
    out: list[CorrectedCase] = []
    for case_id, entries in by_case.items():
        case = entries[0][1]
        first: dict[str, Any] = entries[0][0].detail or {}
        was_intent = (first.get("intent") or [case.intent])[0]
        was_urgency = (first.get("urgency") or [case.urgency])[0]
        fields = case.fields or {}
        text = texts.get(case_id) or str(fields.get("first_message") or "")
        names = [case.affected_name or "", case.recruitment_company or ""]
        names += [str(fields[k]) for k in _NAME_FIELDS if isinstance(fields.get(k), str)]
        out.append(
            CorrectedCase(
                reference=case.reference,
                text=text,
                was=(str(was_intent), str(was_urgency)),
                now=(case.intent, case.urgency),
                reasons=tuple(
                    str(e.detail.get("reason"))
                    for e, _ in entries
                    if (e.detail or {}).get("reason")
                ),
                known_names=tuple(n for n in names if n),
            )
        )
    return out
