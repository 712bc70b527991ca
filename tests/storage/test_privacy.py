"""Case PINs that cannot be guessed, erasure on request, and retention (issue 13).

On a real database (SQLite and PostgreSQL). docs/privacy.md says what is erased and what is kept;
these tests hold it to that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.casefile import case_columns
from nlu.types import Urgency
from storage import cases, conversations, privacy
from storage.audit import audit, note
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import AuditEntry, Case, Contact, ErasureRequest, InboxEvent, Message, utcnow
from storage.operators import create_operator


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _case(
    sessions: async_sessionmaker[AsyncSession], user: str, *, pin: str = "482913"
) -> tuple[int, int, str]:
    """A contact with a conversation, two messages and a case; (contact, conversation, ref)."""
    async with sessions() as session, session.begin():
        contact = await conversations.get_or_create_contact(
            session, "whatsapp", user, display_name="Siti Aminah", phone="+6281234567890"
        )
        contact.consent_given = True
        conv = await conversations.lock_conversation(session, contact)
        fields = {
            "worker_name": "Siti Aminah",
            "country": "HK",
            "details": "majikan tidak bayar gaji",
            "reporter": "self",
        }
        case = await cases.open_case(
            session,
            reference=cases.new_reference(),
            contact_id=contact.id,
            conversation_id=conv.id,
            channel="whatsapp",
            intent="complaint.unpaid_wages",
            urgency=Urgency.NORMAL,
            fields=fields,
            columns={**case_columns(fields), "recruitment_company": "PT Maju Jaya"},
            pin=pin,
        )
        conversations.add_message(
            session,
            conv,
            direction="in",
            text="nama saya Siti Aminah, gaji 3 bulan belum dibayar",
            origin="user",
            case_id=case.id,
            media=[{"kind": "image", "url": "a" * 64, "mime_type": "image/jpeg"}],
        )
        conversations.add_message(
            session, conv, direction="out", text="Terima kasih Siti", origin="bot"
        )
        return contact.id, conv.id, case.reference


async def test_a_pin_cannot_be_guessed(sessions: async_sessionmaker[AsyncSession]) -> None:
    _contact, conv_id, ref = await _case(sessions, "6281", pin="482913")
    async with sessions() as session, session.begin():
        for guess in range(5):
            check = await cases.lookup_with_pin(
                session, ref, f"{guess:06d}", conversation_id=conv_id, max_failures=5
            )
            assert check.summary is None
            assert not check.locked
        # The sixth try is refused without checking: the right PIN too.
        check = await cases.lookup_with_pin(session, ref, "482913", conversation_id=conv_id)
        assert check.summary is None
        assert check.locked
    # Another conversation trying the same reference is refused as well (the reference is
    # locked), until the window has passed.
    _c2, other_conv, _ref2 = await _case(sessions, "6282")
    async with sessions() as session, session.begin():
        check = await cases.lookup_with_pin(session, ref, "482913", conversation_id=other_conv)
        assert check.locked
        check = await cases.lookup_with_pin(
            session, ref, "482913", conversation_id=other_conv, window=timedelta(0)
        )
        assert check.summary is not None
        assert check.summary.reference == ref


async def test_unknown_reference_and_wrong_pin_look_the_same(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _contact, conv_id, ref = await _case(sessions, "6283")
    async with sessions() as session, session.begin():
        wrong = await cases.lookup_with_pin(session, ref, "000000", conversation_id=conv_id)
        unknown = await cases.lookup_with_pin(
            session, "SGA-XXXXXX", "000000", conversation_id=conv_id
        )
    assert wrong == unknown == cases.PinCheck(None)
    # Both count towards the limit: probing references locks the prober out.
    async with sessions() as session, session.begin():
        for n in range(3):
            await cases.lookup_with_pin(session, f"SGA-AAAAA{n}", "1", conversation_id=conv_id)
        check = await cases.lookup_with_pin(session, ref, "482913", conversation_id=conv_id)
    assert check.locked


async def test_erasure_removes_who_and_keeps_the_trail_and_statistics(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    contact_id, conv_id, ref = await _case(sessions, "6284")
    async with sessions() as session, session.begin():
        sari = await create_operator(session, "sari", "correct horse battery", "supervisor")
        case = await cases.by_reference(session, ref)
        assert case is not None
        await note(session, case.id, sari.id, "Sudah telepon Siti di +6281234567890")
        audit(session, "viewed", case_id=case.id, operator_id=sari.id)
        request_id = await privacy.request_erasure(session, contact_id, "hapus data saya")
        # Asking twice makes one request.
        assert await privacy.request_erasure(session, contact_id) == request_id
    async with sessions() as session, session.begin():
        erased = await privacy.execute(session, request_id, sari.id)
    assert erased.counts()["messages"] == 2
    assert erased.media_keys == ("a" * 64,)
    async with sessions() as session:
        texts = list(
            await session.scalars(select(Message.text).where(Message.conversation_id == conv_id))
        )
        assert texts == ["", ""]
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        assert contact.display_name is None
        assert contact.phone is None
        assert "628" not in contact.channel_user_id
        case = (await session.execute(select(Case).where(Case.reference == ref))).scalar_one()
        assert case.affected_name is None
        assert "Siti" not in str(case.fields)
        assert case.fields == {"country": "HK", "reporter": "self"}  # statistics stay
        assert case.intent == "complaint.unpaid_wages"
        assert case.country == "HK"
        assert case.recruitment_company == "PT Maju Jaya"
        assert case.status == "closed"
        entries = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id))
        )
        actions = {e.action for e in entries}
        assert {"opened", "note", "viewed"} <= actions  # the trail stays
        assert all("+6281234567890" not in str(e.detail) for e in entries)
        request = await session.get(ErasureRequest, request_id)
        assert request is not None
        assert request.status == "done"
        assert request.decided_by == sari.id
    with pytest.raises(privacy.PrivacyError):
        async with sessions() as session, session.begin():
            await privacy.execute(session, request_id, sari.id)


async def test_retention_erases_only_old_unconsented_messages(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _contact, case_conv, _ref = await _case(sessions, "6285")  # consented, with a case
    old = utcnow() - timedelta(days=40)
    async with sessions() as session, session.begin():
        stranger = await conversations.get_or_create_contact(session, "webchat", "stranger01")
        stranger.consent_given = False
        conv = await conversations.lock_conversation(session, stranger)
        for text, when in [("nama sy Rina, nomor 0812", old), ("masih ada?", utcnow())]:
            conversations.add_message(session, conv, direction="in", text=text, origin="user")
            await session.flush()
            await session.execute(
                update(Message)
                .where(Message.conversation_id == conv.id, Message.text == text)
                .values(created_at=when)
            )
        session.add(
            InboxEvent(
                channel="webchat",
                dedup_key="stranger01:1",
                conversation_key="stranger01",
                event={"text": "nama sy Rina, nomor 0812"},
                status="done",
                received_at=old,
            )
        )
        stranger_conv = conv.id
    async with sessions() as session, session.begin():
        erased = await privacy.purge_unconsented(session, utcnow() - timedelta(days=30))
    assert erased == 1
    async with sessions() as session:
        left = list(
            await session.scalars(
                select(Message.text).where(Message.conversation_id == stranger_conv)
            )
        )
        assert sorted(left) == ["", "masih ada?"]  # the recent one stays
        kept = list(
            await session.scalars(select(Message.text).where(Message.conversation_id == case_conv))
        )
        assert "" not in kept  # a case's messages are never purged
        event = (
            await session.execute(select(InboxEvent).where(InboxEvent.dedup_key == "stranger01:1"))
        ).scalar_one()
        assert event.event == {"erased": True}
