"""Advisories through the whole pipeline (issue 16, docs/advisories.md): a Telegram user says
yes from the menu and STOP later, each recorded with time and channel; an advisory reaches
them, and their answer is triaged like any message and tagged with the advisory it answers.
The full app on SQLite and PostgreSQL, Telegram on the fake Bot API, signed webhooks."""

from __future__ import annotations

import itertools
import json

import aiohttp
from sqlalchemy import select

from bot.channels.registry import broadcast_reach
from bot.console.advisories import rendered
from bot.keys import ADAPTERS, SESSIONS, SETTINGS, SIGNALS
from storage import advisories
from storage.advisories import AudienceFilter
from storage.models import AuditEntry, Contact, Message
from storage.operators import create_operator
from tests.support.e2e import eventually, settled
from tests.support.fake_providers import TELEGRAM_SECRET, FakeTelegram
from tests.support.server import RunningSiaga

CHAT = 700000042
_ids = itertools.count(820000001)


async def _say(siaga: RunningSiaga, text: str, *, data: str | None = None) -> None:
    """A signed Telegram update from CHAT: a message, or a button press (``data``)."""
    update_id = next(_ids)
    user = {"id": CHAT, "is_bot": False, "first_name": "Rina"}
    chat = {"id": CHAT, "type": "private", "first_name": "Rina"}
    message = {"message_id": update_id % 100000, "from": user, "chat": chat, "date": 1763800011}
    if data is None:
        update = {"update_id": update_id, "message": {**message, "text": text}}
    else:
        update = {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": "1",
                "data": data,
                "message": {**message, "text": text},
            },
        }
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{siaga.url}/webhooks/telegram", data=json.dumps(update), headers=headers) as r,
    ):
        assert r.status == 200
    await settled(siaga)


async def _contact(siaga: RunningSiaga) -> Contact:
    async with siaga.app[SESSIONS]() as session:
        found = await session.scalar(
            select(Contact).where(
                Contact.channel == "telegram", Contact.channel_user_id == str(CHAT)
            )
        )
        assert found is not None
        return found


def _texts_to(fake: FakeTelegram) -> list[str]:
    return [
        str(c.params["text"])
        for c in fake.calls("sendMessage")
        if str(c.params.get("chat_id")) == str(CHAT)
    ]


async def test_yes_advisory_answer_tagged_then_stop(
    siaga: RunningSiaga, fake_telegram: FakeTelegram
) -> None:
    await _say(siaga, "menu")
    await _say(siaga, "🔔 Info keselamatan", data="advisory:offer")
    await _say(siaga, "✅ Ya, kirimi saya", data="advisory:yes")
    contact = await _contact(siaga)
    assert contact.advisory_opt_in is True
    assert contact.advisory_opt_in_channel == "telegram"
    assert contact.advisory_opt_in_at is not None
    assert "STOP" in _texts_to(fake_telegram)[-1]

    async with siaga.app[SESSIONS]() as session, session.begin():
        author = await create_operator(session, "sari", "a-long-password", "supervisor")
        approver = await create_operator(session, "tono", "a-long-password", "supervisor")
        draft = await advisories.create(
            session,
            operator_id=author.id,
            title="Fake job offers",
            text_id="Awas lowongan palsu ke Kamboja lewat Telegram.",
            text_en="Beware of fake job offers to Cambodia on Telegram.",
            source_url="https://bp2mi.go.id/",
            audience=AudienceFilter(channels=("telegram",)),
        )
        adapters = siaga.app[ADAPTERS]
        reach = broadcast_reach(siaga.app[SETTINGS], adapters.keys())
        await advisories.approve(
            session, draft.id, operator_id=approver.id, reach=reach, rendered=rendered(draft)
        )
        advisory_id = draft.id
    if SIGNALS in siaga.app:
        siaga.app[SIGNALS].outbox_queued()

    async def arrived() -> bool:
        return any("ke Kamboja" in t for t in _texts_to(fake_telegram))

    await eventually(arrived)
    advisory_text = next(t for t in _texts_to(fake_telegram) if "ke Kamboja" in t)
    assert "Sumber: https://bp2mi.go.id/" in advisory_text

    # The answer: a report like any other, tagged with the advisory.
    await _say(siaga, "saya sudah bayar agen 20 juta tapi tidak diberangkatkan, paspor ditahan")
    async with siaga.app[SESSIONS]() as session:
        answer = (
            (
                await session.execute(
                    select(Message).where(Message.direction == "in").order_by(Message.id.desc())
                )
            )
            .scalars()
            .first()
        )
        assert answer is not None
        assert answer.advisory_id == advisory_id
        assert answer.nlu is not None  # triaged
        counts = await advisories.progress(session, advisory_id)
    assert counts["replies"] == 1
    assert counts["sent"] + counts["delivered"] + counts["read"] == 1

    # STOP: at once, confirmed, recorded with time and channel.
    await _say(siaga, "STOP")
    contact = await _contact(siaga)
    assert contact.advisory_opt_in is False
    assert contact.advisory_opt_in_channel == "telegram"
    assert any("berhenti menerima info keselamatan" in t for t in _texts_to(fake_telegram))
    async with siaga.app[SESSIONS]() as session:
        actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert "advisory_opt_in" in actions
    assert "advisory_opt_out" in actions
