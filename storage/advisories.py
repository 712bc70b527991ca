"""Safety advisories to many: audiences, the four-eyes approval, progress (docs/advisories.md).

An advisory is written by one supervisor and approved by another. Approval is the moment the
audience is fixed: one ``INSERT … SELECT`` queues a row per recipient in the outbox, in the same
transaction as the status change, with the advisory's priority (after conversation replies and
alerts) and ``next_attempt_at`` at the scheduled time. The sender then drains them at each
provider's rate like any other row (``bot.sender``); a recipient who opts out meanwhile is
skipped at claim time and counted as ``opted_out``.

Queries and guarded updates only: which channels may be reached is the caller's knowledge
(``bot.channels.registry.broadcast_reach``), the texts are the flows' (``flows.advisory``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import audit
from storage.db import on_postgres
from storage.models import Advisory, Case, Contact, Conversation, Message, OutboxMessage, utcnow
from storage.outbox import PRIORITY_BULK

ORIGIN = "advisory"

# A channel is reached fully, or only for contacts inside its reply window (WhatsApp without an
# approved template: free text only within 24 hours of the person's last message).
Reach = Mapping[str, Literal["all", "window"]]
WINDOW = timedelta(hours=24)

# How long after an advisory a message from its recipient counts as an answer to it.
ANSWER_WINDOW = timedelta(days=3)

# Queued rows after which the approval refreshes PostgreSQL's statistics of the outbox.
ANALYZE_AFTER = 1000

LANGUAGES = ("id", "en")  # an advisory is written in both; everyone else reads Indonesian


class AdvisoryError(Exception):
    """A refused advisory command: ``kind`` is not_found, conflict, forbidden or invalid."""

    def __init__(self, kind: str, message: str) -> None:
        """Keep the kind (the HTTP status) and a reason a supervisor can act on."""
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class AudienceFilter:
    """Who an advisory is for; an empty tuple means "any"."""

    countries: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    active_days: int | None = None  # wrote to us within this many days

    def to_json(self) -> dict[str, Any]:
        """The stored form (``advisories.audience``)."""
        return {
            "countries": list(self.countries),
            "channels": list(self.channels),
            "languages": list(self.languages),
            "active_days": self.active_days,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AudienceFilter:
        """Read the stored form back."""
        days = data.get("active_days")
        return cls(
            countries=tuple(str(c) for c in data.get("countries") or ()),
            channels=tuple(str(c) for c in data.get("channels") or ()),
            languages=tuple(str(c) for c in data.get("languages") or ()),
            active_days=int(days) if days is not None else None,
        )


def _language() -> ColumnElement[str]:
    """The language a contact reads an advisory in: English if they chose it, else Indonesian."""
    chosen = func.coalesce(Conversation.language, Contact.language, "id")
    return case((chosen == "en", literal("en")), else_=literal("id"))


def _audience(audience: AudienceFilter, reach: Reach, now: datetime) -> list[ColumnElement[bool]]:
    """The conditions that make a contact a recipient: opted in, reachable, and the filter."""
    reachable: list[ColumnElement[bool]] = []
    for channel, how in reach.items():
        if audience.channels and channel not in audience.channels:
            continue
        if how == "all":
            reachable.append(Contact.channel == channel)
        else:
            reachable.append(
                and_(Contact.channel == channel, Contact.last_inbound_at >= now - WINDOW)
            )
    conditions: list[ColumnElement[bool]] = [
        Contact.advisory_opt_in.is_(True),
        Contact.blocked.is_not(True),
        or_(*reachable) if reachable else literal(False),
    ]
    if audience.countries:
        conditions.append(Contact.country.in_(audience.countries))
    if audience.languages:
        conditions.append(_language().in_(audience.languages))
    if audience.active_days is not None:
        conditions.append(Contact.last_inbound_at >= now - timedelta(days=audience.active_days))
    return conditions


async def count_audience(
    session: AsyncSession, audience: AudienceFilter, reach: Reach, now: datetime | None = None
) -> dict[str, int]:
    """Recipients per channel, as approving now would queue them (plus ``total``)."""
    stmt = (
        select(Contact.channel, func.count())
        .select_from(Contact)
        .join(Conversation, Conversation.contact_id == Contact.id)
        .where(*_audience(audience, reach, now or utcnow()))
        .group_by(Contact.channel)
    )
    counts = {str(channel): int(n) for channel, n in (await session.execute(stmt)).all()}
    counts["total"] = sum(counts.values())
    return counts


async def create(
    session: AsyncSession,
    *,
    operator_id: int,
    title: str,
    text_id: str,
    text_en: str,
    source_url: str,
    audience: AudienceFilter,
    scheduled_at: datetime | None = None,
) -> Advisory:
    """A draft, waiting for a second supervisor's approval."""
    row = Advisory(
        title=title,
        text_id=text_id,
        text_en=text_en,
        source_url=source_url,
        audience=audience.to_json(),
        status="draft",
        created_by=operator_id,
        scheduled_at=scheduled_at,
        recipients=0,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    audit(session, "advisory_created", operator_id=operator_id, detail={"advisory_id": row.id})
    return row


@dataclass(frozen=True, slots=True)
class Rendered:
    """What each recipient gets, by reading language: the text and its stop button."""

    texts: Mapping[str, str]
    buttons: Mapping[str, list[dict[str, str]]] = field(default_factory=dict)


async def approve(
    session: AsyncSession,
    advisory_id: int,
    *,
    operator_id: int,
    reach: Reach,
    rendered: Rendered,
    now: datetime | None = None,
) -> Advisory:
    """The second supervisor's yes: fix the audience and queue one outbox row per recipient.

    Four eyes: the author cannot approve their own advisory. The status changes with a
    conditional ``UPDATE`` (draft → approved), so two approvals cannot both queue; the rows are
    keyed ``adv:<advisory>:<contact>`` (unique), so nobody is queued twice.
    """
    now = now or utcnow()
    advisory = await session.get(Advisory, advisory_id)
    if advisory is None:
        raise AdvisoryError("not_found", "no such advisory")
    if advisory.created_by == operator_id:
        raise AdvisoryError("forbidden", "a second supervisor must approve (four eyes)")
    result = await session.execute(
        update(Advisory)
        .where(Advisory.id == advisory_id, Advisory.status == "draft")
        .values(status="approved", approved_by=operator_id, approved_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise AdvisoryError("conflict", f"the advisory is {advisory.status}, not a draft")
    audience = AudienceFilter.from_json(advisory.audience)
    language = _language()
    due = advisory.scheduled_at if advisory.scheduled_at and advisory.scheduled_at > now else now
    message = case(
        (language == "en", literal(rendered.texts["en"])), else_=literal(rendered.texts["id"])
    )
    buttons = case(
        (language == "en", literal(rendered.buttons.get("en", []), JSON())),
        else_=literal(rendered.buttons.get("id", []), JSON()),
    )
    chosen = (
        select(
            Conversation.id,
            Contact.channel,
            Contact.channel_user_id,
            literal(f"adv:{advisory_id}:") + sql_cast(Contact.id, String),
            literal(ORIGIN),
            message,
            buttons,
            literal("pending"),
            literal(0),
            literal(due),
            literal(now),
            literal(PRIORITY_BULK),
            literal(advisory_id),
        )
        .select_from(Contact)
        .join(Conversation, Conversation.contact_id == Contact.id)
        .where(*_audience(audience, reach, now))
        .order_by(Contact.id)
    )
    outbox = cast("Table", OutboxMessage.__table__)
    columns = [
        "conversation_id",
        "channel",
        "recipient",
        "source_key",
        "origin",
        "text",
        "buttons",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "priority",
        "advisory_id",
    ]
    queued = await session.execute(insert(outbox).from_select(columns, chosen))
    advisory.recipients = int(queued.rowcount)  # type: ignore[attr-defined]
    if on_postgres(session) and advisory.recipients >= ANALYZE_AFTER:
        # Thousands of new pending rows at once leave the planner's statistics stale until
        # autovacuum runs: the claim's "earlier row of this conversation?" check then scanned
        # every pending row per candidate (measured: 270 ms per claim with 100,000 queued,
        # 0.2 ms after ANALYZE).
        await session.execute(text("ANALYZE outbox"))
    advisory.status = "approved"
    advisory.approved_by = operator_id
    advisory.approved_at = now
    audit(
        session,
        "advisory_approved",
        operator_id=operator_id,
        detail={"advisory_id": advisory_id, "recipients": advisory.recipients},
    )
    return advisory


async def cancel(session: AsyncSession, advisory_id: int, *, operator_id: int) -> int:
    """Stop an advisory: a draft is dropped, a queued one sends nothing more.

    Rows not yet claimed become ``cancelled``; the few being sent at this moment finish.
    Returns how many rows were cancelled.
    """
    result = await session.execute(
        update(Advisory)
        .where(Advisory.id == advisory_id, Advisory.status.in_(("draft", "approved")))
        .values(status="cancelled", cancelled_by=operator_id, cancelled_at=utcnow())
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        if await session.get(Advisory, advisory_id) is None:
            raise AdvisoryError("not_found", "no such advisory")
        raise AdvisoryError("conflict", "the advisory is already cancelled")
    stopped = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.advisory_id == advisory_id, OutboxMessage.status == "pending")
        .values(status="cancelled", last_error="cancelled by a supervisor")
    )
    count = int(stopped.rowcount)  # type: ignore[attr-defined]
    audit(
        session,
        "advisory_cancelled",
        operator_id=operator_id,
        detail={"advisory_id": advisory_id, "unsent": count},
    )
    return count


# Outbox statuses as the progress bar shows them.
_PROGRESS = {
    "pending": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "opted_out": "opted_out",
    "cancelled": "cancelled",
}
PROGRESS_KEYS = ("queued", "sent", "delivered", "read", "failed", "opted_out", "cancelled")


async def progress(session: AsyncSession, advisory_id: int) -> dict[str, int]:
    """Rows of the advisory by what happened to them (sent, delivered, read, failed, …)."""
    stmt = (
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.advisory_id == advisory_id)
        .group_by(OutboxMessage.status)
    )
    counts = dict.fromkeys(PROGRESS_KEYS, 0)
    for status, n in (await session.execute(stmt)).all():
        key = _PROGRESS.get(str(status), "failed")
        counts[key] += int(n)
    replies = select(func.count()).where(Message.advisory_id == advisory_id)
    counts["replies"] = int((await session.execute(replies)).scalar_one())
    return counts


def state_of(advisory: Advisory, counts: Mapping[str, int], now: datetime | None = None) -> str:
    """draft, scheduled, sending, sent or cancelled (derived from the rows for a queued one)."""
    if advisory.status != "approved":
        return advisory.status
    if advisory.scheduled_at is not None and advisory.scheduled_at > (now or utcnow()):
        return "scheduled"
    return "sending" if counts.get("queued", 0) else "sent"


async def listing(session: AsyncSession, limit: int = 50) -> Sequence[Advisory]:
    """The newest advisories first."""
    stmt = select(Advisory).order_by(Advisory.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def answered(
    session: AsyncSession, conversation_ids: Sequence[int], now: datetime
) -> dict[int, int]:
    """The advisory each conversation's new message answers: the latest one sent to it within
    :data:`ANSWER_WINDOW` (conversations without one are left out)."""
    if not conversation_ids:
        return {}
    stmt = (
        select(OutboxMessage.conversation_id, func.max(OutboxMessage.advisory_id))
        .where(
            OutboxMessage.conversation_id.in_(conversation_ids),
            OutboxMessage.advisory_id.is_not(None),
            OutboxMessage.status.in_(("sent", "delivered", "read")),
            OutboxMessage.sent_at >= now - ANSWER_WINDOW,
        )
        .group_by(OutboxMessage.conversation_id)
    )
    found = (await session.execute(stmt)).all()
    return {int(c): int(a) for c, a in found if a is not None and c is not None}


async def replies(
    session: AsyncSession, advisory_id: int, limit: int = 50
) -> list[dict[str, Any]]:
    """The latest answers to an advisory, with the case each was filed in (no message text:
    the case page shows it to whoever opens it, with the audit trail)."""
    stmt = (
        select(Message.id, Message.created_at, Message.nlu, Case.reference, Case.urgency)
        .outerjoin(Case, Case.id == Message.case_id)
        .where(Message.advisory_id == advisory_id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(limit)
    )
    rows = []
    for row in (await session.execute(stmt)).all():
        nlu = row.nlu or {}
        rows.append(
            {
                "message_id": row.id,
                "at": row.created_at.isoformat(),
                "intent": (nlu.get("intent") or {}).get("name"),
                "urgency": nlu.get("urgency"),
                "case": row.reference,
                "case_urgency": row.urgency,
            }
        )
    return rows


async def countries(session: AsyncSession) -> list[tuple[str, int]]:
    """Countries of people who want advisories, with how many: the audience form's choices."""
    stmt = (
        select(Contact.country, func.count())
        .where(Contact.advisory_opt_in.is_(True), Contact.country.is_not(None))
        .group_by(Contact.country)
        .order_by(func.count().desc())
    )
    return [(str(c), int(n)) for c, n in (await session.execute(stmt)).all()]
