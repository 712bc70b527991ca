"""What the console's JSON looks like: queue rows, the case page, messages, audit entries.

Storage hands over rows (``storage.queue``, ``storage.case_view``, ``storage.audit``); this
module shapes them for the API and the pages, and decides what an operator is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.channels.registry import reply_window_open
from flows import handoff
from nlu.types import INTENTS, Urgency
from storage import conversations
from storage.case_view import CaseView
from storage.cases import STATUSES
from storage.models import AuditEntry, Message, OutboxMessage, utcnow
from storage.queue import FilterValues, QueueRow


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the time zone, or None."""
    return value.isoformat() if value is not None else None


def _who(names: Mapping[int, str], operator_id: int | None) -> str | None:
    """An operator's username (None: no operator, the bot or the system)."""
    return names.get(operator_id) if operator_id else None


def queue_item(row: QueueRow, now: datetime) -> dict[str, Any]:
    """One row of the queue."""
    case, contact = row.case, row.contact
    return {
        "id": case.id,
        "reference": case.reference,
        "intent": case.intent,
        "urgency": case.urgency,
        "urgency_reasons": list(case.urgency_reasons or []),
        "status": case.status,
        "channel": case.channel,
        "country": case.country,
        "recruitment_company": case.recruitment_company,
        "reporter": case.reporter,
        "contact_name": contact.display_name,
        "affected_name": case.affected_name,
        "assigned_operator": row.assigned_operator,
        "assigned_operator_id": case.assigned_operator_id,
        "created_at": iso(case.created_at),
        "waiting_seconds": int((now - case.created_at).total_seconds()),
        "first_response_at": iso(case.first_response_at),
        "last_message_at": iso(row.last_message_at),
        "handoff_requested": case.handoff_requested,
    }


def filter_options(values: FilterValues) -> dict[str, list[Any]]:
    """What the queue's filter menus offer."""
    return {
        "statuses": list(STATUSES),
        "urgencies": [str(u) for u in reversed(Urgency)],
        "categories": [i for i in INTENTS if i.startswith("complaint.")] + ["handoff.human"],
        "countries": values.countries,
        "channels": values.channels,
        "operators": [{"id": i, "username": u} for i, u in values.operators],
    }


def nlu_view(nlu: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The labels an operator checks: intent with confidence, urgency and its reasons."""
    if not nlu:
        return None
    intent = nlu.get("intent")
    name = intent.get("name") if isinstance(intent, Mapping) else intent
    confidence = intent.get("confidence") if isinstance(intent, Mapping) else None
    return {
        "intent": name,
        "confidence": confidence,
        "urgency": nlu.get("urgency"),
        "urgency_reasons": list(nlu.get("urgency_reasons") or []),
        "language": nlu.get("language"),
        "entities": [
            {"entity": e.get("entity"), "value": e.get("value")}
            for e in nlu.get("entities") or []
            if isinstance(e, Mapping)
        ],
    }


def message_item(
    message: Message, out: OutboxMessage | None, names: Mapping[int, str]
) -> dict[str, Any]:
    """One message of the conversation, with its delivery state when it was sent by us."""
    return {
        "id": message.id,
        "direction": message.direction,
        "origin": message.origin,
        "operator": _who(names, message.operator_id),
        "text": message.text,
        "buttons": list(message.buttons or []),
        "media": list(message.media or []),
        "location": message.location,
        "case_id": message.case_id,
        "created_at": iso(message.created_at),
        "nlu": nlu_view(message.nlu),
        "delivery": None
        if out is None
        else {
            "status": out.status,
            "delivery_status": out.delivery_status,
            "error": out.last_error,
            "template": out.template,
        },
    }


def case_detail(view: CaseView, *, template: str | None) -> dict[str, Any]:
    """Everything the case page shows.

    ``template`` is the approved template of the case's channel, offered in the composer when
    the reply window is closed.
    """
    case, contact, conversation, names = view.case, view.contact, view.conversation, view.names
    is_open = reply_window_open(case.channel, contact.last_inbound_at, utcnow())
    entries = view.entries
    return {
        "case": {
            "id": case.id,
            "reference": case.reference,
            "intent": case.intent,
            "urgency": case.urgency,
            "urgency_reasons": list(case.urgency_reasons or []),
            "status": case.status,
            "resolution": case.resolution,
            "reporter": case.reporter,
            "affected_name": case.affected_name,
            "country": case.country,
            "recruitment_company": case.recruitment_company,
            "fields": dict(case.fields or {}),
            "submitted": case.submitted,
            "handoff_requested": case.handoff_requested,
            "channel": case.channel,
            "assigned_operator_id": case.assigned_operator_id,
            "assigned_operator": names.get(case.assigned_operator_id)
            if case.assigned_operator_id
            else None,
            "created_at": iso(case.created_at),
            "updated_at": iso(case.updated_at),
            "first_response_at": iso(case.first_response_at),
            "resolved_at": iso(case.resolved_at),
            "last_worker_update": case.last_worker_update,
        },
        "contact": {
            "display_name": contact.display_name,
            "phone": contact.phone,
            "channel": contact.channel,
            "language": conversation.language or contact.language,
            "last_inbound_at": iso(contact.last_inbound_at),
            "blocked": contact.blocked,
        },
        "conversation": {
            "id": conversation.id,
            "state": conversation.state,
            "owner_operator_id": conversation.owner_operator_id,
            "owner_operator": names.get(conversation.owner_operator_id)
            if conversation.owner_operator_id
            else None,
            # A worker who asked for a person waits in the hand-off before anyone takes over.
            "bot_silent": handoff.bot_silent(
                conversations.state_of(conversation), conversation.owner_operator_id
            ),
        },
        "composer": {
            "window_open": is_open,
            "template": None if is_open else template,
            "can_send": is_open or template is not None,
        },
        "messages": [
            message_item(m, view.outbox.get(m.outbox_id) if m.outbox_id else None, names)
            for m in view.messages
        ],
        "notes": [
            {
                "id": e.id,
                "operator": _who(names, e.operator_id),
                "text": str(e.detail.get("text", "")),
                "created_at": iso(e.created_at),
            }
            for e in entries
            if e.action == "note"
        ],
        "history": [
            {
                "id": e.id,
                "action": e.action,
                "operator": _who(names, e.operator_id),
                "detail": {k: v for k, v in e.detail.items() if k != "text"},
                "created_at": iso(e.created_at),
            }
            for e in entries
            if e.action not in {"note", "viewed"}
        ],
        "views": [
            {
                "operator": _who(names, e.operator_id),
                "at": iso(e.created_at),
            }
            for e in entries
            if e.action == "viewed"
        ][-20:],
    }


def audit_item(
    entry: AuditEntry, reference: str | None, names: Mapping[int, str]
) -> dict[str, Any]:
    """One entry of the audit log (a note's text is left out: it is read on the case page)."""
    return {
        "id": entry.id,
        "action": entry.action,
        "reference": reference,
        "operator": _who(names, entry.operator_id),
        "detail": {k: v for k, v in entry.detail.items() if k != "text"},
        "created_at": iso(entry.created_at),
    }
