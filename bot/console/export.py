"""The supervisors' CSV export: one row per case of a period, for statistics and P3MI ratings.

No names, phone numbers or free text: files travel further than the console. Values typed by the
public are defused against spreadsheet formulas (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.views import iso
from storage.audit import audit
from storage.models import utcnow
from storage.reports import cases_between, minutes_between, sla_breached

CSV_COLUMNS = (
    "reference",
    "created_at",
    "channel",
    "category",
    "urgency",
    "status",
    "reporter",
    "country",
    "recruitment_company",
    "assigned_operator",
    "first_response_at",
    "first_response_minutes",
    "resolved_at",
    "resolution_minutes",
    "sla_breached",
)


def csv_safe(value: str) -> str:
    """Defuse spreadsheet formulas in values typed by the public (CSV injection)."""
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


async def cases_csv(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    sla_minutes: Mapping[str, int],
    operator_id: int,
) -> str:
    """Cases created in [since, until) as CSV (the export is audited)."""
    now = utcnow()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = await cases_between(session, since, until)
    for case, username in rows:
        fr = minutes_between(case.created_at, case.first_response_at)
        rs = minutes_between(case.created_at, case.resolved_at)
        writer.writerow(
            [
                case.reference,
                case.created_at.isoformat(),
                case.channel,
                case.intent,
                case.urgency,
                case.status,
                case.reporter,
                case.country or "",
                csv_safe(case.recruitment_company or ""),
                username or "",
                iso(case.first_response_at) or "",
                "" if fr is None else round(fr, 1),
                iso(case.resolved_at) or "",
                "" if rs is None else round(rs, 1),
                "yes" if sla_breached(case, sla_minutes, now) else "no",
            ]
        )
    audit(
        session,
        "exported",
        operator_id=operator_id,
        detail={"since": since.isoformat(), "until": until.isoformat(), "rows": len(rows)},
    )
    return buffer.getvalue()
