"""JSON encoding of inbound events for the inbox table (the event survives restarts as stored)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.channels.base import EDIT, MESSAGE, MessageIn
from bot.textclean import clean
from flows.types import Location, MediaRef


def media_to_json(media: Sequence[MediaRef]) -> list[dict[str, Any]]:
    """Attachments as stored in the inbox and in the message log."""
    return [
        {"kind": m.kind, "url": m.url, "mime_type": m.mime_type, "caption": m.caption}
        for m in media
    ]


def location_to_json(location: Location | None) -> dict[str, Any] | None:
    """A location pin as stored in the inbox and in the message log."""
    if location is None:
        return None
    return {
        "latitude": location.latitude,
        "longitude": location.longitude,
        "label": location.label,
    }


def message_to_json(msg: MessageIn) -> dict[str, Any]:
    """Encode a ``MessageIn`` for storage; ``raw`` keeps every provider field (nothing lost)."""
    return {
        "dedup_key": msg.dedup_key,
        "conversation_key": msg.conversation_key,
        "external_id": msg.external_id,
        "text": msg.text,
        "payload": msg.payload,
        "media": media_to_json(msg.media),
        "location": location_to_json(msg.location),
        "display_name": msg.display_name,
        "alt_user_id": msg.alt_user_id,
        "phone": msg.phone,
        "kind": msg.kind,
        "original_id": msg.original_id,
        "raw": dict(msg.raw),
    }


def message_from_json(data: dict[str, Any]) -> MessageIn:
    """Decode what :func:`message_to_json` stored (cleaned again: rows stored before text was
    cleaned at the boundary must not fail either)."""
    loc = data.get("location")
    message = MessageIn(
        dedup_key=str(data["dedup_key"]),
        conversation_key=str(data["conversation_key"]),
        external_id=str(data.get("external_id") or ""),
        text=str(data.get("text") or ""),
        payload=data.get("payload"),
        media=tuple(
            MediaRef(
                kind=str(m.get("kind") or "document"),
                url=str(m.get("url") or ""),
                mime_type=m.get("mime_type"),
                caption=m.get("caption"),
            )
            for m in data.get("media") or ()
        ),
        location=(
            Location(float(loc["latitude"]), float(loc["longitude"]), loc.get("label"))
            if loc
            else None
        ),
        display_name=data.get("display_name"),
        alt_user_id=data.get("alt_user_id"),
        phone=data.get("phone"),
        # Rows stored before kinds existed carry ``edited`` instead.
        kind=str(data.get("kind") or (EDIT if data.get("edited") else MESSAGE)),
        original_id=data.get("original_id")
        or (str(data.get("external_id") or "") if data.get("edited") else None),
        raw=data.get("raw") or {},
    )
    return clean(message)
