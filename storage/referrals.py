"""Referrals of cases to partners: create, follow up, overdue reminders, figures per partner.

Queries and guarded updates only; the console's rules (who may refer, what the worker is told)
are in ``bot.console.referrals`` (docs/console.md, "Referrals"). A referral moves forward only:
sent → acknowledged → acting → done, or declined from any open state; a note can be added at any
state. Every step is one ``referral_updates`` row, so the history is complete.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Referral, ReferralUpdate, utcnow

REFERRAL_STATUSES: tuple[str, ...] = ("sent", "acknowledged", "acting", "done", "declined")
OPEN_REFERRAL_STATUSES: tuple[str, ...] = ("sent", "acknowledged", "acting")
_RANK = {"sent": 0, "acknowledged": 1, "acting": 2, "done": 3, "declined": 3}


class ReferralError(ValueError):
    """A referral update was refused: unknown status, or a step backwards or out of a closed
    referral."""


def create(
    session: AsyncSession,
    *,
    case_id: int,
    partner_key: str,
    partner_name: str,
    partner_kind: str,
    request: str,
    partner_reference: str | None,
    due_at: datetime | None,
    operator_id: int | None,
) -> Referral:
    """A new referral in state ``sent``, with its first history row (flush to get the id)."""
    now = utcnow()
    referral = Referral(
        case_id=case_id,
        partner_key=partner_key,
        partner_name=partner_name,
        partner_kind=partner_kind,
        partner_reference=partner_reference,
        request=request,
        due_at=due_at,
        status="sent",
        created_by=operator_id,
        created_at=now,
        updated_at=now,
    )
    session.add(referral)
    return referral


def add_update(
    session: AsyncSession,
    referral: Referral,
    *,
    status_from: str | None,
    status_to: str,
    note: str | None,
    operator_id: int | None,
) -> None:
    """One history row (the referral must have been flushed)."""
    session.add(
        ReferralUpdate(
            referral_id=referral.id,
            operator_id=operator_id,
            status_from=status_from,
            status_to=status_to,
            note=note,
            created_at=utcnow(),
        )
    )


async def get_for_update(session: AsyncSession, referral_id: int) -> Referral | None:
    """A referral, locked for the change (PostgreSQL; SQLite serialises writers anyway)."""
    result = await session.execute(
        select(Referral)
        .where(Referral.id == referral_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


def advance(
    session: AsyncSession,
    referral: Referral,
    *,
    status: str | None,
    note: str | None,
    partner_reference: str | None,
    operator_id: int | None,
) -> str:
    """Move a referral forward and/or add a note; returns the status it had before.

    Raises:
        ReferralError: unknown status, a step backwards, or a change to a closed referral.
    """
    before = referral.status
    target = status or before
    if target not in REFERRAL_STATUSES:
        raise ReferralError(f"status must be one of {', '.join(REFERRAL_STATUSES)}")
    if before not in OPEN_REFERRAL_STATUSES and (target != before or partner_reference):
        raise ReferralError(f"the referral is {before}; it cannot change any more")
    if target != before and _RANK[target] <= _RANK[before]:
        raise ReferralError(f"a referral cannot go back from {before} to {target}")
    if target == before and not note and not partner_reference:
        raise ReferralError("nothing to change: give a new status, a note or their reference")
    now = utcnow()
    if target != before:
        referral.status = target
        if referral.acknowledged_at is None and target != "declined":
            referral.acknowledged_at = now
        if target not in OPEN_REFERRAL_STATUSES:
            referral.closed_at = now
    if partner_reference:
        referral.partner_reference = partner_reference
    referral.updated_at = now
    add_update(
        session,
        referral,
        status_from=before,
        status_to=target,
        note=note,
        operator_id=operator_id,
    )
    return before


async def of_case(
    session: AsyncSession, case_id: int
) -> list[tuple[Referral, list[ReferralUpdate]]]:
    """A case's referrals (oldest first), each with its history."""
    rows = list(
        (
            await session.execute(
                select(Referral).where(Referral.case_id == case_id).order_by(Referral.id)
            )
        ).scalars()
    )
    if not rows:
        return []
    updates = (
        await session.execute(
            select(ReferralUpdate)
            .where(ReferralUpdate.referral_id.in_([r.id for r in rows]))
            .order_by(ReferralUpdate.id)
        )
    ).scalars()
    by_referral: dict[int, list[ReferralUpdate]] = defaultdict(list)
    for u in updates:
        by_referral[u.referral_id].append(u)
    return [(r, by_referral[r.id]) for r in rows]


@dataclass(frozen=True, slots=True)
class Overdue:
    """An open referral past its due date, for the queue's reminders."""

    referral_id: int
    reference: str
    urgency: str
    partner_name: str
    status: str
    due_at: datetime


async def overdue(session: AsyncSession, now: datetime | None = None) -> list[Overdue]:
    """Open referrals past their due date, longest overdue first."""
    now = now or utcnow()
    result = await session.execute(
        select(Referral, Case.reference, Case.urgency)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.status.in_(OPEN_REFERRAL_STATUSES))
        .where(Referral.due_at.is_not(None))
        .where(Referral.due_at < now)
        .order_by(Referral.due_at)
    )
    return [
        Overdue(
            referral_id=r.id,
            reference=reference,
            urgency=urgency,
            partner_name=r.partner_name,
            status=r.status,
            due_at=r.due_at,  # type: ignore[arg-type]  # filtered on not null
        )
        for r, reference, urgency in result.all()
    ]


def _hours(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def per_partner(
    session: AsyncSession, *, since: datetime, until: datetime, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Referrals made in a period, per partner: how many, still open, overdue, done, declined,
    and the median hours to acknowledge and to close (most referred partner first)."""
    now = now or utcnow()
    rows = (
        await session.execute(
            select(Referral).where(Referral.created_at >= since, Referral.created_at < until)
        )
    ).scalars()
    groups: dict[str, list[Referral]] = defaultdict(list)
    for r in rows:
        groups[r.partner_key].append(r)
    out = []
    for key, items in groups.items():
        ack = [
            (r.acknowledged_at - r.created_at).total_seconds() / 3600
            for r in items
            if r.acknowledged_at
        ]
        close = [(r.closed_at - r.created_at).total_seconds() / 3600 for r in items if r.closed_at]
        out.append(
            {
                "partner_key": key,
                "partner": items[-1].partner_name,
                "kind": items[-1].partner_kind,
                "referrals": len(items),
                "open": sum(r.status in OPEN_REFERRAL_STATUSES for r in items),
                "overdue": sum(
                    r.status in OPEN_REFERRAL_STATUSES and r.due_at is not None and r.due_at < now
                    for r in items
                ),
                "done": sum(r.status == "done" for r in items),
                "declined": sum(r.status == "declined" for r in items),
                "hours_to_acknowledge": _hours(ack),
                "hours_to_close": _hours(close),
            }
        )
    out.sort(key=lambda d: (-len(groups[str(d["partner_key"])]), str(d["partner"])))
    return out
