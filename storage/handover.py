"""Shift handover: who is on duty, the outgoing shift's notes, and what the next shift inherits
(open critical and high cases, first-response targets falling due). Queries and small writes only;
the page and its rules are in ``bot.console.handover`` (docs/console.md, "Shift handover").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases import OPEN_STATUSES
from storage.models import Case, DutyPeriod, HandoverNote, Operator, utcnow

# A duty mark older than this no longer counts: an operator who forgot to mark themselves off
# must not be named in critical alerts a day later.
DUTY_MAX = timedelta(hours=16)


@dataclass(frozen=True, slots=True)
class OnDuty:
    """An operator on duty now."""

    operator_id: int
    username: str
    role: str
    since: datetime


async def on_duty(session: AsyncSession, now: datetime | None = None) -> list[OnDuty]:
    """Active operators on duty now, longest on duty first."""
    now = now or utcnow()
    result = await session.execute(
        select(DutyPeriod, Operator.username, Operator.role)
        .join(Operator, Operator.id == DutyPeriod.operator_id)
        .where(DutyPeriod.ended_at.is_(None))
        .where(DutyPeriod.started_at > now - DUTY_MAX)
        .where(Operator.active.is_(True))
        .order_by(DutyPeriod.started_at, Operator.username)
    )
    return [
        OnDuty(operator_id=p.operator_id, username=name, role=role, since=p.started_at)
        for p, name, role in result.all()
    ]


async def set_on_duty(session: AsyncSession, operator_id: int, on: bool) -> bool:
    """Mark an operator on or off duty; returns whether anything changed.

    Going on duty closes a stale period first (older than ``DUTY_MAX``); the partial unique index
    makes two concurrent "on" requests end with one open period.
    """
    now = utcnow()
    if not on:
        result = await session.execute(
            update(DutyPeriod)
            .where(DutyPeriod.operator_id == operator_id, DutyPeriod.ended_at.is_(None))
            .values(ended_at=now)
        )
        return bool(getattr(result, "rowcount", 0))
    await session.execute(
        update(DutyPeriod)
        .where(
            DutyPeriod.operator_id == operator_id,
            DutyPeriod.ended_at.is_(None),
            DutyPeriod.started_at <= now - DUTY_MAX,
        )
        .values(ended_at=now)
    )
    current = await session.execute(
        select(DutyPeriod.id).where(
            DutyPeriod.operator_id == operator_id, DutyPeriod.ended_at.is_(None)
        )
    )
    if current.first() is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(DutyPeriod(operator_id=operator_id, started_at=now))
    except IntegrityError:
        return False  # another request marked them on at the same moment
    return True


def add_note(session: AsyncSession, operator_id: int, text: str) -> HandoverNote:
    """A note for the next shift."""
    note = HandoverNote(operator_id=operator_id, text=text, created_at=utcnow())
    session.add(note)
    return note


async def recent_notes(
    session: AsyncSession, since: datetime, limit: int = 50
) -> list[tuple[HandoverNote, str]]:
    """Notes written since ``since``, newest first, with their author's username."""
    result = await session.execute(
        select(HandoverNote, Operator.username)
        .join(Operator, Operator.id == HandoverNote.operator_id)
        .where(HandoverNote.created_at >= since)
        .order_by(HandoverNote.id.desc())
        .limit(limit)
    )
    return [(n, name) for n, name in result.all()]


async def open_urgent(session: AsyncSession) -> list[tuple[Case, str | None]]:
    """Open critical and high cases, most urgent and oldest first, with the holder's username."""
    result = await session.execute(
        select(Case, Operator.username)
        .outerjoin(Operator, Operator.id == Case.assigned_operator_id)
        .where(Case.status.in_(OPEN_STATUSES))
        .where(Case.urgency.in_(("critical", "high")))
        .order_by(Case.urgency_rank.desc(), Case.created_at)
    )
    return [(c, name) for c, name in result.all()]


async def first_responses_due(
    session: AsyncSession, sla_minutes: Mapping[str, int], until: datetime
) -> list[tuple[Case, datetime, str | None]]:
    """Open cases still waiting for a first response whose target falls before ``until``
    (already past ones included), soonest first, with the target time and the holder."""
    result = await session.execute(
        select(Case, Operator.username)
        .outerjoin(Operator, Operator.id == Case.assigned_operator_id)
        .where(Case.status.in_(OPEN_STATUSES))
        .where(Case.first_response_at.is_(None))
        .where(Case.urgency.in_(list(sla_minutes)))
    )
    due: list[tuple[Case, datetime, str | None]] = []
    for case, name in result.all():
        deadline = case.created_at + timedelta(minutes=sla_minutes[case.urgency])
        if deadline <= until:
            due.append((case, deadline, name))
    due.sort(key=lambda item: item[1])
    return due
