"""Report aggregates for supervisors: volumes, response and resolution times, SLA, P3MI.

Computed in Python over one query: the ministry's volumes (thousands of cases a month) fit in
memory easily, and it keeps the numbers identical on SQLite and PostgreSQL. The CSV export of
the same cases is shaped by the console (``bot.console.export``).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nlu.types import Urgency
from storage.cases import OPEN_STATUSES, STATUSES
from storage.models import Case, Operator, utcnow


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    """Minutes from ``start`` to ``end`` (never negative); None when either is missing."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds() / 60)


def _stats(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "median": None, "mean": None, "p90": None}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        "count": len(ordered),
        "median": round(statistics.median(ordered), 1),
        "mean": round(statistics.fmean(ordered), 1),
        "p90": round(p90, 1),
    }


def sla_breached(case: Case, sla_minutes: Mapping[str, int], now: datetime) -> bool:
    """Whether the first response came (or is still missing) later than the urgency's target."""
    target = sla_minutes.get(case.urgency)
    if target is None:
        return False
    responded = case.first_response_at or (case.resolved_at if case.status != "new" else None)
    end = responded or now
    return end - case.created_at > timedelta(minutes=target)


async def cases_between(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[Case, str | None]]:
    """Cases created in [since, until), oldest first, with the assigned operator's username."""
    return [
        (case, username)
        for case, username in (
            await session.execute(
                select(Case, Operator.username)
                .outerjoin(Operator, Operator.id == Case.assigned_operator_id)
                .where(Case.created_at >= since, Case.created_at < until)
                .order_by(Case.created_at)
            )
        ).all()
    ]


def _week(value: datetime) -> str:
    year, week, _ = value.isocalendar()
    return f"{year}-W{week:02d}"


async def dashboard(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    sla_minutes: Mapping[str, int],
) -> dict[str, Any]:
    """Aggregates for supervisors over cases created in [since, until).

    Computed in Python over one query: the ministry's volumes (thousands of cases a month) fit in
    memory easily, and it keeps the numbers identical on SQLite and PostgreSQL.
    """
    now = utcnow()
    rows = await cases_between(session, since, until)
    by_category: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    by_urgency: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    by_week: Counter[str] = Counter()
    first_response: dict[str, list[float]] = defaultdict(list)
    resolution: dict[str, list[float]] = defaultdict(list)
    breaches: Counter[str] = Counter()
    open_breaches: list[dict[str, Any]] = []
    companies: dict[str, dict[str, Any]] = {}
    for case, username in rows:
        by_category[case.intent] += 1
        by_country[case.country or "(unknown)"] += 1
        by_urgency[case.urgency] += 1
        by_status[case.status] += 1
        by_week[_week(case.created_at)] += 1
        fr = minutes_between(case.created_at, case.first_response_at)
        if fr is not None:
            first_response[case.urgency].append(fr)
            first_response["all"].append(fr)
        rs = minutes_between(case.created_at, case.resolved_at)
        if rs is not None:
            resolution[case.urgency].append(rs)
            resolution["all"].append(rs)
        if sla_breached(case, sla_minutes, now):
            breaches[case.urgency] += 1
            if case.status in OPEN_STATUSES and case.first_response_at is None:
                open_breaches.append(
                    {
                        "reference": case.reference,
                        "urgency": case.urgency,
                        "intent": case.intent,
                        "waiting_minutes": round((now - case.created_at).total_seconds() / 60),
                        "assigned_operator": username,
                    }
                )
        if case.recruitment_company and case.intent.startswith("complaint."):
            key = case.recruitment_company.strip()
            entry = companies.setdefault(
                key.casefold(),
                {
                    "company": key,
                    "complaints": 0,
                    "open": 0,
                    "critical": 0,
                    "categories": Counter(),
                },
            )
            entry["complaints"] += 1
            entry["open"] += case.status in OPEN_STATUSES
            entry["critical"] += case.urgency == "critical"
            entry["categories"][case.intent] += 1
    company_rows = sorted(companies.values(), key=lambda e: (-e["complaints"], e["company"]))
    for entry in company_rows:
        entry["top_category"] = entry.pop("categories").most_common(1)[0][0]
    weeks = []
    cursor = since - timedelta(days=since.weekday())
    while cursor < until:
        weeks.append(_week(cursor))
        cursor += timedelta(days=7)
    urgencies = [str(u) for u in reversed(Urgency)]
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "total": len(rows),
        "by_category": by_category.most_common(),
        "by_country": by_country.most_common(),
        "by_urgency": [(u, by_urgency[u]) for u in urgencies if by_urgency[u]],
        "by_status": [(s, by_status[s]) for s in STATUSES if by_status[s]],
        "by_week": [(w, by_week[w]) for w in dict.fromkeys([*weeks, *sorted(by_week)])],
        "first_response_minutes": {
            k: _stats(first_response[k]) for k in ["all", *urgencies] if k in first_response
        },
        "resolution_minutes": {
            k: _stats(resolution[k]) for k in ["all", *urgencies] if k in resolution
        },
        "sla_minutes": dict(sla_minutes),
        "sla_breaches": {u: breaches[u] for u in urgencies if u in sla_minutes},
        "open_breaches": sorted(open_breaches, key=lambda b: -b["waiting_minutes"])[:50],
        "companies": company_rows[:100],
    }
