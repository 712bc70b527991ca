"""Advisories to many on a real database (SQLite and PostgreSQL): audiences, four eyes,
the outbox's priority and at-most-once for advisory rows (issue 16, docs/advisories.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import advisories, conversations, outbox
from storage.advisories import AdvisoryError, AudienceFilter, Rendered
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import Contact, OutboxMessage, utcnow
from storage.operators import create_operator

REACH: advisories.Reach = {"telegram": "all", "whatsapp": "all"}
RENDERED = Rendered(
    texts={"id": "Topan! Sumber: x", "en": "Typhoon! Source: x"},
    buttons={"id": [{"title": "Berhenti", "payload": "advisory:stop"}], "en": []},
)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _contact(
    session: AsyncSession,
    channel: str,
    key: str,
    *,
    opt_in: bool | None = True,
    country: str | None = "HK",
    language: str | None = "id",
    days_ago: float = 1,
    blocked: bool = False,
) -> Contact:
    contact = await conversations.get_or_create_contact(session, channel, key)
    contact.advisory_opt_in = opt_in
    contact.country = country
    contact.blocked = blocked
    contact.last_inbound_at = utcnow() - timedelta(days=days_ago)
    conversation = await conversations.lock_conversation(session, contact)
    conversation.language = language
    await session.flush()
    return contact


async def _people(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """A small population; returns two supervisors' ids (author, approver)."""
    async with sessions() as session, session.begin():
        await _contact(session, "telegram", "1")  # in
        await _contact(session, "telegram", "2", language="en")  # in, reads English
        await _contact(session, "whatsapp", "3", country="TW")  # in, other country
        await _contact(session, "telegram", "4", opt_in=False)  # opted out
        await _contact(session, "telegram", "5", opt_in=None)  # never asked
        await _contact(session, "telegram", "6", blocked=True)  # blocked the bot
        await _contact(session, "webchat", "7")  # the web chat: nobody to push to
        await _contact(session, "whatsapp", "8", days_ago=40)  # in, but quiet for 40 days
        author = await create_operator(session, "author", "a-long-password", "supervisor")
        approver = await create_operator(session, "approver", "a-long-password", "supervisor")
        await session.flush()
        return author.id, approver.id


async def test_audience_counts_only_reachable_people_who_said_yes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _people(sessions)
    async with sessions() as session:
        everyone = await advisories.count_audience(session, AudienceFilter(), REACH)
        assert everyone == {"telegram": 2, "whatsapp": 2, "total": 4}
        hk = await advisories.count_audience(session, AudienceFilter(countries=("HK",)), REACH)
        assert hk["total"] == 3
        english = await advisories.count_audience(
            session, AudienceFilter(languages=("en",)), REACH
        )
        assert english["total"] == 1
        recent = await advisories.count_audience(session, AudienceFilter(active_days=30), REACH)
        assert recent["total"] == 3
        on_wa = await advisories.count_audience(
            session, AudienceFilter(channels=("whatsapp",)), REACH
        )
        assert on_wa["total"] == 2
        # WhatsApp without an approved template: only people inside the 24-hour window, and
        # nobody here wrote within 24 hours.
        windowed = await advisories.count_audience(
            session, AudienceFilter(), {"telegram": "all", "whatsapp": "window"}
        )
        assert windowed == {"telegram": 2, "total": 2}


async def test_four_eyes_then_one_row_per_recipient_in_their_language(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    author, approver = await _people(sessions)
    async with sessions() as session, session.begin():
        draft = await advisories.create(
            session,
            operator_id=author,
            title="Typhoon",
            text_id="Topan",
            text_en="Typhoon",
            source_url="https://www.hko.gov.hk/",
            audience=AudienceFilter(countries=("HK",)),
        )
        draft_id = draft.id
    async with sessions() as session, session.begin():
        with pytest.raises(AdvisoryError) as own:
            await advisories.approve(
                session, draft_id, operator_id=author, reach=REACH, rendered=RENDERED
            )
        assert own.value.kind == "forbidden"
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    async with sessions() as session, session.begin():
        approved = await advisories.approve(
            session, draft_id, operator_id=approver, reach=REACH, rendered=RENDERED
        )
        assert approved.recipients == 3
    async with sessions() as session, session.begin():
        with pytest.raises(AdvisoryError) as twice:
            await advisories.approve(
                session, draft_id, operator_id=approver, reach=REACH, rendered=RENDERED
            )
        assert twice.value.kind == "conflict"
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        by_recipient = {r.recipient: r for r in rows}
    assert sorted(by_recipient) == ["1", "2", "8"]
    assert by_recipient["1"].text.startswith("Topan")
    assert by_recipient["1"].buttons == [{"title": "Berhenti", "payload": "advisory:stop"}]
    assert by_recipient["2"].text.startswith("Typhoon")
    assert {r.priority for r in by_recipient.values()} == {outbox.PRIORITY_BULK}
    assert {r.advisory_id for r in by_recipient.values()} == {draft_id}


async def test_replies_and_alerts_are_claimed_before_advisory_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    author, approver = await _people(sessions)
    async with sessions() as session, session.begin():
        draft = await advisories.create(
            session,
            operator_id=author,
            title="t",
            text_id="a",
            text_en="b",
            source_url="https://x.example/",
            audience=AudienceFilter(),
        )
        await advisories.approve(
            session, draft.id, operator_id=approver, reach=REACH, rendered=RENDERED
        )
        contact = await conversations.get_or_create_contact(session, "telegram", "1")
        conversation = await conversations.lock_conversation(session, contact)
        # queued after the advisory, to a person who also gets the advisory
        reply = outbox.enqueue(
            session,
            channel="telegram",
            recipient="1",
            text="reply",
            conversation_id=conversation.id,
        )
        alert = outbox.enqueue(
            session, channel="telegram", recipient="-100", text="alert", origin="alert"
        )
        await session.flush()
        reply_id, alert_id = reply.id, alert.id
    async with sessions() as session, session.begin():
        first = await outbox.claim_due(session, 2, timedelta(seconds=15))
    assert [d.id for d in first] == sorted([alert_id, reply_id])
    assert all(d.advisory_id is None for d in first)
    async with sessions() as session, session.begin():
        urgent = await outbox.claim_due(
            session, 10, timedelta(seconds=15), priorities=outbox.URGENT
        )
        assert urgent == []  # advisory rows are not in the urgent range
        bulk = await outbox.claim_due(
            session, 10, timedelta(seconds=15), priorities=outbox.BULK, only="whatsapp"
        )
    assert {d.recipient for d in bulk} == {"3", "8"}
    assert all(d.advisory_id is not None and d.opted_in for d in bulk)


async def test_opt_out_after_approval_is_seen_at_claim_and_cancel_stops_the_rest(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    author, approver = await _people(sessions)
    async with sessions() as session, session.begin():
        draft = await advisories.create(
            session,
            operator_id=author,
            title="t",
            text_id="a",
            text_en="b",
            source_url="https://x.example/",
            audience=AudienceFilter(channels=("telegram",)),
        )
        await advisories.approve(
            session, draft.id, operator_id=approver, reach=REACH, rendered=RENDERED
        )
        draft_id = draft.id
        await session.execute(
            update(Contact).where(Contact.channel_user_id == "2").values(advisory_opt_in=False)
        )
    async with sessions() as session, session.begin():
        [first] = await outbox.claim_due(session, 1, timedelta(seconds=15), priorities=outbox.BULK)
    assert first.recipient == "1"
    assert first.opted_in
    async with sessions() as session, session.begin():
        [second] = await outbox.claim_due(
            session, 1, timedelta(seconds=15), priorities=outbox.BULK
        )
        assert second.recipient == "2"
        assert not second.opted_in
        await outbox.mark_opted_out(session, [second.id])
        await outbox.mark_sent_many(session, [(first.id, "m1")])
    async with sessions() as session:
        done = await advisories.progress(session, draft_id)
    assert done["sent"] == 1
    assert done["opted_out"] == 1
    assert done["queued"] == 0


async def test_cancel_while_sending_leaves_nothing_queued(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    author, approver = await _people(sessions)
    async with sessions() as session, session.begin():
        draft = await advisories.create(
            session,
            operator_id=author,
            title="t",
            text_id="a",
            text_en="b",
            source_url="https://x.example/",
            audience=AudienceFilter(),
        )
        await advisories.approve(
            session, draft.id, operator_id=approver, reach=REACH, rendered=RENDERED
        )
        draft_id = draft.id
    async with sessions() as session, session.begin():
        taken = await outbox.claim_due(session, 1, timedelta(seconds=15), priorities=outbox.BULK)
    async with sessions() as session, session.begin():
        assert await advisories.cancel(session, draft_id, operator_id=approver) == 3
    async with sessions() as session, session.begin():
        assert await outbox.claim_due(session, 10, timedelta(seconds=15)) == []
        await outbox.mark_sent_many(session, [(taken[0].id, "m")])
        counts = await advisories.progress(session, draft_id)
    assert counts["cancelled"] == 3
    assert counts["sent"] == 1
    async with sessions() as session, session.begin():
        with pytest.raises(AdvisoryError):
            await advisories.cancel(session, draft_id, operator_id=approver)


async def test_an_advisory_row_left_by_a_crashed_sender_is_not_sent_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    author, approver = await _people(sessions)
    async with sessions() as session, session.begin():
        draft = await advisories.create(
            session,
            operator_id=author,
            title="t",
            text_id="a",
            text_en="b",
            source_url="https://x.example/",
            audience=AudienceFilter(channels=("whatsapp",)),
        )
        await advisories.approve(
            session, draft.id, operator_id=approver, reach=REACH, rendered=RENDERED
        )
        reply = outbox.enqueue(session, channel="telegram", recipient="1", text="reply")
        await session.flush()
        reply_id = reply.id
    async with sessions() as session, session.begin():
        taken = await outbox.claim_due(session, 10, timedelta(seconds=-1))  # lease already over
    assert len(taken) == 3
    async with sessions() as session, session.begin():
        assert await outbox.release_expired_leases(session) == 3
    async with sessions() as session, session.begin():
        again = await outbox.claim_due(session, 10, timedelta(seconds=15))
    assert [d.id for d in again] == [reply_id]  # the reply again, the advisory rows never
    async with sessions() as session:
        counts = await advisories.progress(session, draft.id)
    assert counts["failed"] == 2


async def test_a_message_after_an_advisory_is_tagged_as_its_answer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    author, approver = await _people(sessions)
    async with sessions() as session, session.begin():
        draft = await advisories.create(
            session,
            operator_id=author,
            title="t",
            text_id="a",
            text_en="b",
            source_url="https://x.example/",
            audience=AudienceFilter(channels=("telegram",)),
        )
        await advisories.approve(
            session, draft.id, operator_id=approver, reach=REACH, rendered=RENDERED
        )
    async with sessions() as session, session.begin():
        dues = await outbox.claim_due(session, 10, timedelta(seconds=15))
        await outbox.mark_sent_many(session, [(d.id, f"m{d.id}") for d in dues[:1]])
    sent_to = {d.conversation_id for d in dues[:1]}
    all_conversations = {d.conversation_id for d in dues if d.conversation_id is not None}
    async with sessions() as session:
        tags = await advisories.answered(session, sorted(all_conversations), utcnow())
    assert set(tags) == sent_to  # only where it was sent
    assert set(tags.values()) == {draft.id}


async def test_an_erased_person_leaves_every_audience_and_is_sent_nothing_more(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from storage import privacy

    author, approver = await _people(sessions)
    async with sessions() as session, session.begin():
        draft = await advisories.create(
            session,
            operator_id=author,
            title="t",
            text_id="a",
            text_en="b",
            source_url="https://x.example/",
            audience=AudienceFilter(channels=("telegram",)),
        )
        await advisories.approve(
            session, draft.id, operator_id=approver, reach=REACH, rendered=RENDERED
        )
        contact = await conversations.get_or_create_contact(session, "telegram", "1")
        contact_id = contact.id
    async with sessions() as session, session.begin():
        await privacy.erase_contact(session, contact_id)
    async with sessions() as session, session.begin():
        erased = await session.get(Contact, contact_id)
        assert erased is not None
        assert erased.country is None
        assert erased.advisory_opt_in is None
        counts = await advisories.count_audience(session, AudienceFilter(), REACH)
        assert counts["telegram"] == 1  # "2" only
        due = await outbox.claim_due(session, 10, timedelta(seconds=15))
    assert [d.recipient for d in due] == ["2"]
