"""Recruitment companies (P3MI) as records (docs/console.md, "Recruitment companies").

Workers type "PT sinar jaya abadi", "pt. Sinar Jaya", "sinarjaya": statistics per company only
mean something when these are one company. The table is filled from a CSV (e.g. the ministry's
list of licensed P3MI with licence numbers) and by operators; a typed name gets suggestions by
fuzzy matching (rapidfuzz) on a normalised form, an operator confirms one (or creates one), and
complaints are counted per confirmed company.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases import OPEN_STATUSES
from storage.models import Case, CaseCompany, Company, utcnow

_LEGAL_FORMS = {"pt", "cv", "tbk", "persero", "perseroan", "terbatas"}
_NAME_HEADERS = ("name", "nama", "nama_perusahaan", "nama perusahaan", "perusahaan", "company")
_LICENCE_HEADERS = (
    "licence_number",
    "license_number",
    "licence",
    "license",
    "nomor_izin",
    "nomor izin",
    "no_izin",
    "izin",
    "sip3mi",
)
MIN_SCORE = 70
MAX_NAME = 200


def normalize(name: str) -> str:
    """``"PT. Sinar Jaya Abadi, Tbk"`` -> ``"sinar jaya abadi"``: lower case, no punctuation,
    no legal form."""
    words = re.sub(r"[^0-9a-z]+", " ", name.lower()).split()
    return " ".join(w for w in words if w not in _LEGAL_FORMS)


def score(typed: str, candidate: str) -> float:
    """How well a typed name matches a company's normalised name (0-100).

    Word order and extra words ("sinar jaya" in "sinar jaya abadi") and missing spaces
    ("sinarjaya") all count as matches; a short fragment does not match everything.
    """
    a, b = normalize(typed), candidate
    if not a or not b:
        return 0.0
    best = max(fuzz.token_set_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
    squeezed = a.replace(" ", "")
    if len(squeezed) >= 8:
        best = max(best, fuzz.partial_ratio(squeezed, b.replace(" ", "")))
    return float(best)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A company that may be the one typed."""

    company: Company
    score: float


async def suggest(session: AsyncSession, typed: str, limit: int = 5) -> list[Suggestion]:
    """The companies that best match a typed name, best first."""
    if not normalize(typed):
        return []
    rows = (await session.execute(select(Company))).scalars().all()
    found = [Suggestion(c, score(typed, c.normalized)) for c in rows]
    found = [s for s in found if s.score >= MIN_SCORE]
    found.sort(key=lambda s: (-s.score, len(s.company.normalized), s.company.name))
    return found[:limit]


async def create(
    session: AsyncSession,
    name: str,
    licence_number: str | None,
    *,
    source: str,
    created_by: int | None,
) -> Company:
    """A new company, or the existing one with the same normalised name or licence.

    Raises:
        ValueError: an empty or too long name.
    """
    name = " ".join(name.split())
    norm = normalize(name)
    if not norm or len(name) > MAX_NAME:
        raise ValueError(f"the company needs a name (up to {MAX_NAME} characters)")
    licence = (licence_number or "").strip() or None
    existing = await _existing(session, norm, licence)
    if existing is not None:
        return existing
    company = Company(
        name=name,
        normalized=norm,
        licence_number=licence,
        source=source,
        created_by=created_by,
        created_at=utcnow(),
    )
    session.add(company)
    await session.flush()
    return company


async def _existing(session: AsyncSession, norm: str, licence: str | None) -> Company | None:
    if licence:
        by_licence = (
            await session.execute(select(Company).where(Company.licence_number == licence))
        ).scalar_one_or_none()
        if by_licence is not None:
            return by_licence
    return (
        await session.execute(select(Company).where(Company.normalized == norm))
    ).scalar_one_or_none()


@dataclass
class ImportResult:
    """What a CSV import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _column(headers: list[str], names: tuple[str, ...]) -> str | None:
    for h in headers:
        if h.strip().lower() in names:
            return h
    return None


async def import_csv(session: AsyncSession, text: str, *, created_by: int | None) -> ImportResult:
    """Import companies from CSV (a header row with a name column and optionally a licence
    column; comma or semicolon separated). A licence number or normalised name already known
    updates that company instead of adding a second one.

    Raises:
        ValueError: no name column.
    """
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    headers = list(reader.fieldnames or [])
    name_col = _column(headers, _NAME_HEADERS)
    licence_col = _column(headers, _LICENCE_HEADERS)
    if name_col is None:
        raise ValueError("the CSV needs a header row with a name column (name or nama)")
    result = ImportResult()
    for line, row in enumerate(reader, start=2):
        name = " ".join((row.get(name_col) or "").split())
        licence = ((row.get(licence_col) or "") if licence_col else "").strip() or None
        norm = normalize(name)
        if not norm or len(name) > MAX_NAME:
            result.errors.append({"line": line, "error": "no usable company name"})
            continue
        existing = await _existing(session, norm, licence)
        if existing is None:
            session.add(
                Company(
                    name=name,
                    normalized=norm,
                    licence_number=licence,
                    source="import",
                    created_by=created_by,
                    created_at=utcnow(),
                )
            )
            await session.flush()
            result.created += 1
        elif licence and existing.licence_number != licence and existing.licence_number is None:
            existing.licence_number = licence
            result.updated += 1
        elif existing.normalized != norm and existing.licence_number == licence:
            existing.name, existing.normalized = name, norm  # renamed under the same licence
            await session.flush()
            result.updated += 1
        else:
            result.unchanged += 1
    return result


async def confirmed_for(session: AsyncSession, case_id: int) -> Company | None:
    """The company confirmed for a case, if any."""
    return (
        await session.execute(
            select(Company)
            .join(CaseCompany, CaseCompany.company_id == Company.id)
            .where(CaseCompany.case_id == case_id)
        )
    ).scalar_one_or_none()


async def confirm(
    session: AsyncSession, case_id: int, company_id: int, operator_id: int
) -> Company | None:
    """Link a case to a company (replacing an earlier confirmation). None: no such company."""
    company = await session.get(Company, company_id)
    if company is None:
        return None
    link = await session.get(CaseCompany, case_id)
    if link is None:
        session.add(
            CaseCompany(
                case_id=case_id,
                company_id=company_id,
                confirmed_by=operator_id,
                confirmed_at=utcnow(),
            )
        )
    else:
        link.company_id = company_id
        link.confirmed_by = operator_id
        link.confirmed_at = utcnow()
    await session.flush()
    return company


async def complaints_per_company(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Cases opened in a period per confirmed company: total, open, critical (most first)."""
    result = await session.execute(
        select(Company.id, Company.name, Company.licence_number, Case.status, Case.urgency)
        .join(CaseCompany, CaseCompany.company_id == Company.id)
        .join(Case, Case.id == CaseCompany.case_id)
        .where(Case.created_at >= since, Case.created_at < until)
    )
    totals: dict[int, dict[str, Any]] = {}
    for company_id, name, licence, status, urgency in result.all():
        entry = totals.setdefault(
            company_id,
            {
                "id": company_id,
                "company": name,
                "licence_number": licence,
                "complaints": 0,
                "open": 0,
                "critical": 0,
            },
        )
        entry["complaints"] += 1
        entry["open"] += status in OPEN_STATUSES
        entry["critical"] += urgency == "critical"
    return sorted(totals.values(), key=lambda e: (-int(e["complaints"]), str(e["company"])))
