"""Case tickets: opening, merging answers, raising urgency, and what a worker may see.

Every change to a case writes an audit entry in the same transaction (``storage.audit``), so the
trail cannot miss a change that happened. Urgency may be raised by anyone but lowered only by an
operator (audited).
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.types import CaseSummary
from nlu.types import Urgency
from storage.audit import audit
from storage.models import Case, PinAttempt, utcnow
from storage.security import hash_secret, verify_secret

OPEN_STATUSES = ("new", "in_progress", "waiting_for_worker", "referred")
CLOSED_STATUSES = ("resolved", "closed")  # need a resolution; the bot takes the conversation back
STATUSES = (*OPEN_STATUSES, *CLOSED_STATUSES)

# Unambiguous on a small screen and when read out on the phone: no 0/O, 1/I/L, 5/S, 2/Z.
_REFERENCE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"


# What a reference may look like when typed or put in a URL: ASCII, short (storage.models).
_LOOKS_LIKE_REFERENCE = re.compile(r"[A-Z0-9/_-]{1,32}")


def new_reference() -> str:
    """A short case reference the worker can quote, e.g. ``SGA-7KXM4P``.

    Always with a digit (drawn again until there is one, so every such reference is equally
    likely): a code of letters only could be a word, and a reference quoted without its
    ``SGA-`` is recognised by its digit (``flows.status``).
    """
    while True:
        body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        if any(ch.isdigit() for ch in body):
            return "SGA-" + body


def new_pin() -> str:
    """A 6-digit PIN that lets the reporter check a case from another phone."""
    return f"{secrets.randbelow(1_000_000):06d}"


# The columns the queue filters and reports on; which answers fill them is the flows' business
# (``flows.casefile``): storage saves what it is given.
CASE_COLUMNS = frozenset({"affected_name", "country", "recruitment_company"})


def _apply_fields(
    case: Case, fields: Mapping[str, Any], columns: Mapping[str, str] | None = None
) -> None:
    merged = dict(case.fields or {})
    merged.update({k: v for k, v in fields.items() if v is not None})
    case.fields = merged
    for column, value in (columns or {}).items():
        if column in CASE_COLUMNS:
            setattr(case, column, value)


async def open_case(
    session: AsyncSession,
    *,
    reference: str,
    contact_id: int,
    conversation_id: int,
    channel: str,
    intent: str,
    urgency: Urgency,
    urgency_reasons: tuple[str, ...] | list[str] = (),
    reporter: str = "self",
    fields: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
    pin: str | None = None,
    handoff: bool = False,
) -> Case:
    """Create a case ticket in the command-centre queue."""
    now = utcnow()
    case = Case(
        reference=reference,
        pin_hash=await asyncio.to_thread(hash_secret, pin) if pin else None,
        contact_id=contact_id,
        conversation_id=conversation_id,
        channel=channel,
        intent=intent,
        urgency=str(urgency),
        urgency_rank=urgency.rank,
        urgency_reasons=list(urgency_reasons),
        status="new",
        reporter=reporter,
        fields={},
        submitted=False,
        handoff_requested=handoff,
        created_at=now,
        updated_at=now,
        last_inbound_at=now,
    )
    _apply_fields(case, fields or {}, columns)
    session.add(case)
    await session.flush()
    audit(
        session,
        "opened",
        case_id=case.id,
        detail={"intent": intent, "urgency": str(urgency), "reasons": list(urgency_reasons)},
    )
    return case


async def by_reference(
    session: AsyncSession, reference: str, *, fresh: bool = False
) -> Case | None:
    """A case by its reference (case-insensitive, spaces and dashes tolerated).

    ``fresh`` reads it again even if this session holds it (another instance may have changed
    it meanwhile).
    """
    cleaned = reference.strip().upper().replace(" ", "")
    if not _LOOKS_LIKE_REFERENCE.fullmatch(cleaned):
        return None  # not a reference anyone was given (and nothing a database must be sent)
    if not cleaned.startswith("SGA-") and cleaned.startswith("SGA"):
        cleaned = "SGA-" + cleaned[3:]
    stmt = select(Case).where(Case.reference == cleaned)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


def set_urgency(case: Case, urgency: Urgency, reasons: tuple[str, ...] | list[str] = ()) -> None:
    """Set a case's urgency, its queue rank with it, and add the reasons."""
    case.urgency = str(urgency)
    case.urgency_rank = urgency.rank
    case.urgency_reasons = [*(case.urgency_reasons or []), *reasons]


def raise_urgency(case: Case, urgency: Urgency, reasons: tuple[str, ...] | list[str] = ()) -> bool:
    """Raise (never lower) a case's urgency; True if it went up."""
    if urgency.rank <= Urgency(case.urgency).rank:
        return False
    set_urgency(case, urgency, reasons)
    return True


async def update_case(
    session: AsyncSession,
    case: Case,
    *,
    fields: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
    intent: str | None = None,
    urgency: Urgency | None = None,
    reasons: tuple[str, ...] = (),
    submitted: bool = False,
    operator_id: int | None = None,
) -> bool:
    """Merge intake answers and corrections into a case. Returns True if urgency went up."""
    changes: dict[str, Any] = {}
    if fields:
        _apply_fields(case, fields, columns)
        changes["fields"] = sorted(fields)  # names only: the values are personal data
    if intent and intent != case.intent:
        changes["intent"] = [case.intent, intent]
        case.intent = intent
    raised = False
    if urgency is not None:
        before = case.urgency
        raised = raise_urgency(case, urgency, reasons)
        if raised:
            changes["urgency"] = [before, case.urgency]
    if submitted and not case.submitted:
        case.submitted = True
        changes["submitted"] = True
    if changes:
        case.updated_at = utcnow()
        audit(session, "updated", case_id=case.id, operator_id=operator_id, detail=changes)
    return raised


async def current_open_case(session: AsyncSession, conversation_id: int) -> Case | None:
    """The newest open case of a conversation: where new messages and media are filed."""
    stmt = (
        select(Case)
        .where(Case.conversation_id == conversation_id, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def summary_of(case: Case) -> CaseSummary:
    """What the worker may be told about a case."""
    return CaseSummary(
        reference=case.reference,
        intent=case.intent,
        urgency=Urgency(case.urgency),
        status=case.status,
        created_at=case.created_at,
        updated_at=case.updated_at,
        last_update=case.last_worker_update,
        country=case.country,
    )


async def recent_for_contacts(
    session: AsyncSession, contact_ids: Collection[int], limit: int = 5
) -> dict[int, tuple[CaseSummary, ...]]:
    """Each contact's own newest cases, newest first (for "cek status"), keyed by contact id."""
    rank = (
        func.row_number().over(partition_by=Case.contact_id, order_by=Case.id.desc()).label("rank")
    )
    ranked = select(Case.id, rank).where(Case.contact_id.in_(contact_ids)).subquery()
    stmt = (
        select(Case)
        .join(ranked, ranked.c.id == Case.id)
        .where(ranked.c.rank <= limit)
        .order_by(Case.id.desc())
    )
    out: dict[int, list[CaseSummary]] = {}
    for case in (await session.execute(stmt)).scalars():
        out.setdefault(case.contact_id, []).append(summary_of(case))
    return {contact_id: tuple(found) for contact_id, found in out.items()}


async def open_for_conversations(
    session: AsyncSession, conversation_ids: Collection[int]
) -> dict[int, Case]:
    """Each conversation's newest open case (as :func:`current_open_case`), for many at once."""
    stmt = (
        select(Case)
        .where(Case.conversation_id.in_(conversation_ids), Case.status.in_(OPEN_STATUSES))
        .order_by(Case.id)
    )
    return {case.conversation_id: case for case in (await session.execute(stmt)).scalars()}


@dataclass(frozen=True, slots=True)
class PinCheck:
    """The outcome of a reference-and-PIN lookup: the case, or why not (never which)."""

    summary: CaseSummary | None
    locked: bool = False  # too many wrong tries recently: refused without checking


async def lookup_with_pin(
    session: AsyncSession,
    reference: str,
    pin: str,
    *,
    conversation_id: int,
    max_failures: int = 5,
    window: timedelta = timedelta(hours=1),
) -> PinCheck:
    """A case's summary for someone who knows its reference and PIN.

    No oracle: an unknown reference costs the same work as a known one with a wrong PIN (the
    hash is checked against a dummy), and both answer the same. After ``max_failures`` wrong
    tries within ``window`` for the same reference (known or not) or from the same
    conversation, tries are refused without checking, the right PIN included, so a PIN cannot
    be guessed. Hashing runs in a thread: it must not stall the event loop.
    """
    ref = reference.strip().upper()[:32]
    since = utcnow() - window
    recent = (
        select(func.count())
        .select_from(PinAttempt)
        .where(PinAttempt.succeeded.is_(False), PinAttempt.created_at >= since)
    )
    by_ref = await session.scalar(recent.where(PinAttempt.reference == ref))
    by_conversation = await session.scalar(
        recent.where(PinAttempt.conversation_id == conversation_id)
    )
    if (by_ref or 0) >= max_failures or (by_conversation or 0) >= max_failures:
        audit(session, "status_pin_locked", detail={"conversation_id": conversation_id})
        return PinCheck(None, locked=True)
    case = await by_reference(session, ref)
    stored = case.pin_hash if case is not None and case.pin_hash else _dummy_hash()
    ok = await asyncio.to_thread(verify_secret, stored, pin.strip())
    ok = ok and case is not None and bool(case.pin_hash)
    session.add(PinAttempt(reference=ref, conversation_id=conversation_id, succeeded=ok))
    if not ok or case is None:
        return PinCheck(None)
    audit(session, "status_checked_with_pin", case_id=case.id)
    return PinCheck(summary_of(case))


@functools.cache
def _dummy_hash() -> str:
    """A hash no PIN matches, checked when the reference is unknown (equal timing)."""
    return hash_secret(secrets.token_hex(16))
