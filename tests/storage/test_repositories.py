"""Storage repositories on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.registry import PULLED
from flows.casefile import case_columns
from nlu.types import Urgency
from storage import cases, conversations, inbox, outbox
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import InboxEvent, OutboxMessage


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def test_claim_is_atomic_under_concurrency(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def claim_once() -> int | None:
        async with sessions() as session, session.begin():
            return await inbox.claim(
                session,
                channel="telegram",
                dedup_key="tg:42",
                conversation_key="1001",
                event={"text": "x"},
            )

    results = await asyncio.gather(*(claim_once() for _ in range(10)))
    assert len([r for r in results if r is not None]) == 1
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(InboxEvent))).scalar() == 1


async def test_same_key_on_another_channel_is_another_event(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        a = await inbox.claim(
            session, channel="twilio", dedup_key="k", conversation_key="c", event={}
        )
        b = await inbox.claim(
            session, channel="whatsapp", dedup_key="k", conversation_key="c", event={}
        )
    assert a is not None
    assert b is not None


async def test_outbox_keeps_conversation_order_while_backing_off(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        contact = await conversations.get_or_create_contact(session, "telegram", "77")
        conv = await conversations.lock_conversation(session, contact)
        first = outbox.enqueue(
            session, channel="telegram", recipient="77", text="1", conversation_id=conv.id
        )
        outbox.enqueue(
            session, channel="telegram", recipient="77", text="2", conversation_id=conv.id
        )
    async with sessions() as session:
        heads = await outbox.due_heads(session, pulled=PULLED)
    assert heads == [first.id], "only the first message of a conversation is due"
    async with sessions() as session, session.begin():
        claimed = await outbox.claim_due(session, 10, lease=timedelta(seconds=30), pulled=PULLED)
        assert [due.id for due in claimed] == [first.id], "the second waits for the first"
        await outbox.mark_failed_attempt(
            session, first.id, error="503", retryable=True, attempts=1, max_attempts=5
        )
    async with sessions() as session:
        # The first is backing off: the second must wait for it, not overtake it.
        assert await outbox.due_heads(session, pulled=PULLED) == []
        row = await session.get(OutboxMessage, first.id)
        assert row is not None
        assert row.status == "pending"
        assert row.last_error == "503"


async def test_outbox_claim_is_exclusive(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        row = outbox.enqueue(session, channel="telegram", recipient="-100", text="alert")

    async def claim() -> list[int]:
        async with sessions() as session, session.begin():
            return [
                due.id
                for due in await outbox.claim_due(
                    session, 10, timedelta(seconds=30), pulled=PULLED
                )
            ]

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(results) == [[], [], [], [], [row.id]], "exactly one sender gets the row"


async def test_case_reference_lookup_and_pin(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        contact = await conversations.get_or_create_contact(session, "webchat", "abc12345")
        conv = await conversations.lock_conversation(session, contact)
        case = await cases.open_case(
            session,
            reference=cases.new_reference(),
            contact_id=contact.id,
            conversation_id=conv.id,
            channel="webchat",
            intent="complaint.unpaid_wages",
            urgency=Urgency.NORMAL,
            fields={"country": "Taiwan", "worker_name": "Siti"},
            columns=case_columns({"country": "Taiwan", "worker_name": "Siti"}),
            pin="123456",
        )
        reference = case.reference
    async with sessions() as session, session.begin():
        wrong = await cases.lookup_with_pin(
            session, reference.lower(), "000000", conversation_id=conv.id
        )
        assert wrong.summary is None
        check = await cases.lookup_with_pin(
            session, reference.lower(), "123456", conversation_id=conv.id
        )
        summary = check.summary
        assert summary is not None
        assert summary.reference == reference
        found = await cases.by_reference(session, reference)
        assert found is not None
        assert found.country == "Taiwan"
        assert found.affected_name == "Siti"
        assert cases.raise_urgency(found, Urgency.HIGH)
        assert not cases.raise_urgency(found, Urgency.LOW), "urgency is never lowered here"
        assert found.urgency == "high"
