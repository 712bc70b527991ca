"""The supervisors' CSV export: one row per case of a period, for statistics and P3MI ratings.

No names, phone numbers or free text: files travel further than the console. Every text cell is
defused against spreadsheet formulas the OWASP way (CSV injection, docs/console.md "Export"): a
cell that begins with = + - @ tab or carriage return (after blanks, which spreadsheets skip) gets
a leading single quote, and every field is quoted, so a separator inside a value cannot start a
new cell. The country and the recruitment company are what the public typed; the other columns
are ours, and are defused all the same rather than trusted.
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


_FORMULA_START = frozenset({"=", "+", "-", "@", "\t", "\r"})


def csv_safe(value: object) -> object:
    """A cell a spreadsheet shows as text: formulas get a leading ``'`` (numbers stay numbers)."""
    if not isinstance(value, str):
        return value
    if value[:1] in _FORMULA_START or value.lstrip(" ")[:1] in _FORMULA_START:
        return "'" + value
    return value


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
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    rows = await cases_between(session, since, until)
    for case, username in rows:
        fr = minutes_between(case.created_at, case.first_response_at)
        rs = minutes_between(case.created_at, case.resolved_at)
        cells = [
            case.reference,
            case.created_at.isoformat(),
            case.channel,
            case.intent,
            case.urgency,
            case.status,
            case.reporter,
            case.country or "",
            case.recruitment_company or "",
            username or "",
            iso(case.first_response_at) or "",
            "" if fr is None else round(fr, 1),
            iso(case.resolved_at) or "",
            "" if rs is None else round(rs, 1),
            "yes" if sla_breached(case, sla_minutes, now) else "no",
        ]
        writer.writerow([csv_safe(cell) for cell in cells])
    audit(
        session,
        "exported",
        operator_id=operator_id,
        detail={"since": since.isoformat(), "until": until.isoformat(), "rows": len(rows)},
    )
    return buffer.getvalue()
