"""Integration without screen-scraping (docs/console.md, "Integration"): case events for signed
outbound webhooks, queued in an outbox in the same transaction as the change, and scoped API
tokens for the console's JSON API.

Events are found in one place, a ``before_flush`` hook on every session: a new case
(``case.created``), a changed urgency (``case.urgency_changed``), a new referral
(``case.referred``), a changed status (``case.status_changed``, or ``case.closed`` for resolved
and closed). Whoever changes a case (the flows, the console), the event cannot be forgotten and is
committed, or rolled back, with the change. Personal data (the affected worker's name, the
recruitment company, the reporter's channel id) goes only to subscribers an admin allowed.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.cases import CLOSED_STATUSES
from storage.models import (
    ApiToken,
    Case,
    Referral,
    WebhookDelivery,
    WebhookSubscriber,
    utcnow,
)

EVENTS: tuple[str, ...] = (
    "case.created",
    "case.urgency_changed",
    "case.referred",
    "case.status_changed",
    "case.closed",
)
SCOPES: tuple[str, ...] = ("cases:read", "stats:read")
TOKEN_PREFIX = "siaga_"  # noqa: S105 - a public prefix, not a secret
MAX_ATTEMPTS = 10


def case_payload(case: Case, personal: bool) -> dict[str, Any]:
    """What a subscriber learns about a case; names only when the subscriber may have them."""
    data: dict[str, Any] = {
        "reference": case.reference,
        "status": case.status,
        "urgency": case.urgency,
        "category": case.intent,
        "channel": case.channel,
        "country": case.country,
        # A case being created has no created_at until the flush fills the default.
        "created_at": (getattr(case, "created_at", None) or utcnow()).isoformat(),
    }
    if personal:
        data["affected_name"] = case.affected_name
        data["recruitment_company"] = case.recruitment_company
        data["reporter"] = case.reporter
    return data


def _history(obj: Any, attr: str) -> tuple[Any, Any] | None:
    from sqlalchemy import inspect

    hist = inspect(obj).attrs[attr].history
    if not hist.has_changes() or not hist.deleted:
        return None
    return hist.deleted[0], hist.added[0] if hist.added else None


def _events_of(session: Session) -> list[tuple[Case, str, dict[str, Any]]]:
    found: list[tuple[Case, str, dict[str, Any]]] = []
    for obj in list(session.new):
        if isinstance(obj, Case):
            found.append((obj, "case.created", {}))
        elif isinstance(obj, Referral):
            case = session.get(Case, obj.case_id)
            if case is not None:
                found.append(
                    (
                        case,
                        "case.referred",
                        {"partner": obj.partner_name, "kind": obj.partner_kind},
                    )
                )
    for obj in list(session.dirty):
        if not isinstance(obj, Case) or obj in session.new:
            continue
        urgency = _history(obj, "urgency")
        if urgency and urgency[0] != urgency[1]:
            found.append((obj, "case.urgency_changed", {"from": urgency[0], "to": urgency[1]}))
        status = _history(obj, "status")
        if status and status[0] != status[1]:
            name = "case.closed" if status[1] in CLOSED_STATUSES else "case.status_changed"
            found.append((obj, name, {"from": status[0], "to": status[1]}))
    return found


@event.listens_for(Session, "before_flush")
def _queue_case_events(session: Session, _context: Any, _instances: Any) -> None:
    """Queue a delivery per subscriber for each case event in this flush."""
    found = _events_of(session)
    if not found:
        return
    subscribers = list(
        session.execute(select(WebhookSubscriber).where(WebhookSubscriber.active.is_(True)))
        .scalars()
        .all()
    )
    if not subscribers:
        return
    now = utcnow()
    for case, name, extra in found:
        for sub in subscribers:
            if sub.events and name not in sub.events:
                continue
            session.add(
                WebhookDelivery(
                    subscriber_id=sub.id,
                    case_reference=case.reference,
                    event=name,
                    payload={
                        "id": str(uuid.uuid4()),
                        "event": name,
                        "occurred_at": now.isoformat(),
                        "case": case_payload(case, sub.personal_data),
                        "data": extra,
                    },
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )


# --- the delivery outbox --------------------------------------------------------------------


async def due_deliveries(session: AsyncSession, limit: int = 50) -> list[WebhookDelivery]:
    """Pending deliveries that are due and first in line for their subscriber and case (an
    earlier event of the same case still pending holds the later ones back: order per case)."""
    now = utcnow()
    rows = list(
        (
            await session.execute(
                select(WebhookDelivery)
                .where(WebhookDelivery.status == "pending")
                .order_by(WebhookDelivery.id)
                .limit(limit * 4)
            )
        ).scalars()
    )
    seen: set[tuple[int, str]] = set()
    ready = []
    for row in rows:
        key = (row.subscriber_id, row.case_reference)
        if key in seen:
            continue
        seen.add(key)
        if row.next_attempt_at <= now:
            ready.append(row)
    return ready[:limit]


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 2, 4, 8 … seconds, at most one hour."""
    return timedelta(seconds=min(2**attempts, 3600))


async def record_result(
    session: AsyncSession, delivery_id: int, *, ok: bool, error: str | None, now: datetime
) -> None:
    """Mark a delivery sent, retry it later, or give up after MAX_ATTEMPTS (visible as failed)."""
    row = await session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if row is None or row.status != "pending":
        return
    row.attempts += 1
    if ok:
        row.status = "sent"
        row.sent_at = now
        row.last_error = None
    elif row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        row.last_error = (error or "")[:1000]
    else:
        row.next_attempt_at = now + backoff(row.attempts)
        row.last_error = (error or "")[:1000]


# --- API tokens -----------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(
    session: AsyncSession, name: str, scopes: list[str], created_by: int
) -> tuple[ApiToken, str]:
    """A new token (the plain value is returned once and never stored)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        token_hash=_hash(plain),
        scopes=scopes,
        created_by=created_by,
        created_at=utcnow(),
    )
    session.add(row)
    return row, plain


async def token_for(session: AsyncSession, plain: str) -> ApiToken | None:
    """The live (not revoked) token with this value, marking it used."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    row = (
        await session.execute(
            select(ApiToken).where(
                ApiToken.token_hash == _hash(plain), ApiToken.revoked_at.is_(None)
            )
        )
    ).scalar_one_or_none()
    if row is not None:
        row.last_used_at = utcnow()
    return row


async def revoke(session: AsyncSession, token_id: int) -> bool:
    """Revoke a token at once (every instance checks the row). False when unknown or revoked."""
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))
