"""Contacts, conversations and the message log.

Conversation state is loaded only after the conversation row is locked (aiogram #1317: reading
state before taking the lock lets two updates of one chat overwrite each other).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from flows.types import ConversationState
from storage.db import insert_ignoring_conflicts, on_postgres
from storage.models import Contact, Conversation, Message, utcnow


async def get_or_create_contact(
    session: AsyncSession,
    channel: str,
    channel_user_id: str,
    *,
    display_name: str | None = None,
    phone: str | None = None,
    alt_user_id: str | None = None,
) -> Contact:
    """The contact for a channel user, created on first contact (race-safe across instances)."""
    contact = (await contacts_for(session, channel, [channel_user_id]))[channel_user_id]
    refresh_contact(contact, display_name=display_name, phone=phone, alt_user_id=alt_user_id)
    return contact


def refresh_contact(
    contact: Contact,
    *,
    display_name: str | None = None,
    phone: str | None = None,
    alt_user_id: str | None = None,
) -> None:
    """Keep what the provider tells us current (names change, BSUIDs appear later)."""
    if display_name and contact.display_name != display_name:
        contact.display_name = display_name
    if phone and not contact.phone:
        contact.phone = phone
    if alt_user_id and contact.alt_user_id != alt_user_id:
        contact.alt_user_id = alt_user_id


async def contacts_for(
    session: AsyncSession,
    channel: str,
    channel_user_ids: Collection[str],
    aliases: Mapping[str, str] | None = None,
) -> dict[str, Contact]:
    """Contacts of many users of one channel, created where missing.

    Without ``aliases`` (channels where a person has one id) two statements in all. With
    ``aliases`` (a mapping, possibly empty, from a user id to the other id the provider gave
    for the same person: WhatsApp's BSUID beside the ``wa_id``), a user who first wrote under
    one id and later under the other is one contact (issue 14): an id is matched to an existing
    contact whose own id is its alias, or whose ``alt_user_id`` is the id. One statement when
    every contact exists, three when some are new.
    """
    if aliases is None:
        return await _contacts_by_id(session, channel, channel_user_ids)
    others = {k: v for k, v in aliases.items() if v and v != k}
    keys = set(channel_user_ids)
    match: ColumnElement[bool] = or_(
        Contact.channel_user_id.in_(keys | set(others.values())),
        Contact.alt_user_id.in_(keys),
    )
    found = list(await session.scalars(select(Contact).where(Contact.channel == channel, match)))
    by_id = {c.channel_user_id: c for c in found}
    by_alt = {c.alt_user_id: c for c in found if c.alt_user_id}
    result: dict[str, Contact] = {}
    for key in keys:
        contact = by_id.get(key) or by_id.get(others.get(key, "")) or by_alt.get(key)
        if contact is not None:
            result[key] = contact
    missing = keys - result.keys()
    if missing:
        result.update(await _contacts_by_id(session, channel, missing))
    return result


async def _contacts_by_id(
    session: AsyncSession, channel: str, channel_user_ids: Collection[str]
) -> dict[str, Contact]:
    """Contacts by their own ids, created where missing: two statements in all."""
    now = utcnow()
    await session.execute(  # an executemany of one cached statement, whatever the count
        insert_ignoring_conflicts(session, Contact.__table__, ("channel", "channel_user_id")),
        [
            {"channel": channel, "channel_user_id": key, "blocked": False, "created_at": now}
            for key in sorted(channel_user_ids)
        ],
    )
    found = await session.execute(
        select(Contact).where(
            Contact.channel == channel, Contact.channel_user_id.in_(channel_user_ids)
        )
    )
    return {contact.channel_user_id: contact for contact in found.scalars()}


async def lock_conversation(session: AsyncSession, contact: Contact) -> Conversation:
    """The contact's conversation, created if missing, row-locked until the transaction ends.

    On PostgreSQL ``FOR UPDATE`` serialises instances working on the same chat; SQLite has a
    single writer.
    """
    return (await lock_conversations(session, [contact.id]))[contact.id]


async def lock_conversations(
    session: AsyncSession, contact_ids: Collection[int]
) -> dict[int, Conversation]:
    """Conversations of many contacts, created if missing and row-locked, keyed by contact id.

    Locks are taken in id order, so two batches that overlap cannot deadlock each other.
    """
    now = utcnow()
    await session.execute(
        insert_ignoring_conflicts(session, Conversation.__table__, ("contact_id",)),
        [
            {"contact_id": cid, "state": "idle", "state_data": {}, "updated_at": now}
            for cid in sorted(contact_ids)
        ],
    )
    stmt = (
        select(Conversation)
        .where(Conversation.contact_id.in_(contact_ids))
        .order_by(Conversation.id)
        .execution_options(populate_existing=True)
    )
    if on_postgres(session):
        stmt = stmt.with_for_update(of=Conversation)
    found = await session.execute(stmt)
    return {conversation.contact_id: conversation for conversation in found.scalars()}


def state_of(conversation: Conversation) -> ConversationState:
    """The flows' view of the stored state."""
    return ConversationState(
        name=conversation.state,
        data=dict(conversation.state_data or {}),
        language=conversation.language,
    )


def save_state(conversation: Conversation, state: ConversationState) -> None:
    """Write the flows' new state back (the caller's transaction commits it)."""
    conversation.state = state.name
    conversation.state_data = dict(state.data)
    conversation.language = state.language
    conversation.updated_at = utcnow()


def add_message(
    session: AsyncSession,
    conversation: Conversation,
    *,
    direction: str,
    text: str,
    origin: str,
    created_at: datetime | None = None,
    channel_message_id: str | None = None,
    payload: str | None = None,
    buttons: list[dict[str, str]] | None = None,
    media: list[dict[str, Any]] | None = None,
    location: Mapping[str, Any] | None = None,
    nlu: Mapping[str, Any] | None = None,
    case_id: int | None = None,
    outbox_id: int | None = None,
    operator_id: int | None = None,
) -> Message:
    """Append one message to the conversation log that operators read."""
    message = Message(
        **message_row(
            conversation.id,
            direction=direction,
            origin=origin,
            text=text,
            created_at=created_at or utcnow(),
            channel_message_id=channel_message_id,
            payload=payload,
            buttons=buttons,
            media=media,
            location=location,
            nlu=nlu,
            case_id=case_id,
            outbox_id=outbox_id,
            operator_id=operator_id,
        )
    )
    session.add(message)
    conversation.last_message_at = message.created_at
    return message


def message_row(
    conversation_id: int,
    *,
    direction: str,
    text: str,
    origin: str,
    created_at: datetime,
    channel_message_id: str | None = None,
    payload: str | None = None,
    buttons: list[dict[str, str]] | None = None,
    media: list[dict[str, Any]] | None = None,
    location: Mapping[str, Any] | None = None,
    nlu: Mapping[str, Any] | None = None,
    case_id: int | None = None,
    outbox_id: int | None = None,
    operator_id: int | None = None,
    kind: str | None = None,
    advisory_id: int | None = None,
) -> dict[str, Any]:
    """One message-log row: for :func:`log_messages`, and what :func:`add_message` stores.

    ``kind`` is None for an ordinary message, or ``unsupported`` (see ``Message.kind``).
    """
    return {
        "conversation_id": conversation_id,
        "direction": direction,
        "origin": origin,
        "text": text,
        "created_at": created_at,
        "channel_message_id": channel_message_id,
        "payload": payload,
        "buttons": buttons,
        "media": media,
        "location": dict(location) if location else None,
        "nlu": dict(nlu) if nlu else None,
        "case_id": case_id,
        "outbox_id": outbox_id,
        "operator_id": operator_id,
        "kind": kind,
        "advisory_id": advisory_id,  # an inbound answer to an advisory (docs/advisories.md)
    }


async def log_messages(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Append many rows to the message log in one executemany (the dispatcher's batches).

    Core rather than ORM objects: a batch writes three rows per message, and building, tracking
    and flushing ORM instances for them cost more CPU than the rest of the turn.
    """
    if rows:
        await session.execute(insert(cast("Table", Message.__table__)), rows)


async def change_message(
    session: AsyncSession,
    conversation: Conversation,
    original_id: str,
    *,
    kind: str,
    text: str | None,
    changed_at: datetime,
    media: list[dict[str, Any]] | None = None,
    location: Mapping[str, Any] | None = None,
) -> Message | None:
    """Apply an edit (``kind="edited"``, new ``text``) or a revoke (``kind="revoked"``,
    ``text=None``: the words stay for operators) to the inbound message ``original_id``.

    The row's earlier state is appended to ``versions``, so the console can show every version
    (issue 14). Returns None when the message is not in the log (e.g. older than Siaga).
    """
    stmt = (
        select(Message)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == "in",
            Message.channel_message_id == original_id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    message = (await session.scalars(stmt)).first()
    if message is None:
        return None
    earlier = {
        "text": message.text,
        "kind": message.kind,
        "media": message.media,
        "location": message.location,
        "changed_at": changed_at.isoformat(),
    }
    message.versions = [*(message.versions or []), earlier]
    message.kind = kind
    if text is not None:
        message.text = text
        message.media = media if media is not None else message.media
        message.location = dict(location) if location else message.location
    return message


async def set_blocked(
    session: AsyncSession, channel: str, channel_user_id: str, blocked: bool
) -> None:
    """The user blocked (or unblocked) the bot: the sender stops (or resumes) sending to them."""
    await session.execute(
        update(Contact)
        .where(Contact.channel == channel, Contact.channel_user_id == channel_user_id)
        .values(blocked=blocked)
    )


async def find_conversation(
    session: AsyncSession, channel: str, channel_user_id: str
) -> Conversation | None:
    """The conversation of a channel user, if they ever wrote."""
    stmt = (
        select(Conversation)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Contact.channel == channel, Contact.channel_user_id == channel_user_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
