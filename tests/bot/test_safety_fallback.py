"""Safety first: when the conversation logic fails, an urgent message still reaches a human.

The flows are replaced by a function that raises (fault injection through the dispatcher's
constructor, the same seam the app uses); everything else is real: database, NLU, texts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select

from bot.channels.base import MessageIn
from bot.config import Settings
from bot.dispatcher import Dispatcher, TextHooks
from bot.events import message_to_json
from flows.router import render_case_status, safety_fallback_reply
from flows.types import ConversationState, FlowDeps, TurnResult, UserTurn
from knowledge.retriever import InMemoryRetriever
from nlu.pipeline import EmbeddedNlu
from storage import cases, inbox
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import Case, InboxEvent, Message, OutboxMessage, utcnow


def broken_flows(_turn: UserTurn, _state: ConversationState, _deps: FlowDeps) -> TurnResult:
    raise RuntimeError("a bug in the flows")


async def test_crashing_flows_still_file_a_critical_case_and_reassure(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    inbox_id: int | None = None
    dispatcher = Dispatcher(
        sessions=sessions,
        settings=settings_factory(database_url),
        nlu=EmbeddedNlu.load(),
        run_turn=broken_flows,
        deps=FlowDeps(
            retriever=InMemoryRetriever.from_directory(),
            now=utcnow,
            new_reference=cases.new_reference,
            new_pin=cases.new_pin,
        ),
        texts=TextHooks(safety_fallback=safety_fallback_reply, case_status=render_case_status),
        adapters={},
        on_done=lambda ids: None if inbox_id not in ids or done.done() else done.set_result(None),
    )
    text = "tolong saya dipukul majikan sekarang, saya dikunci di kamar"
    event = MessageIn(dedup_key="s:1", conversation_key="safety-0001", external_id="1", text=text)
    async with sessions() as session, session.begin():
        inbox_id = await inbox.claim(
            session,
            channel="webchat",
            dedup_key=event.dedup_key,
            conversation_key=event.conversation_key,
            event=message_to_json(event),
        )
    assert inbox_id is not None
    try:
        await dispatcher.start()  # it finds the pending event by itself
        await asyncio.wait_for(done, timeout=20)
    finally:
        await dispatcher.close()
    async with sessions() as session:
        case = (await session.execute(select(Case))).scalar_one()
        row = await session.get(InboxEvent, inbox_id)
        replies = list((await session.execute(select(OutboxMessage))).scalars())
        logged = (
            await session.execute(select(Message).where(Message.direction == "in"))
        ).scalar_one()
    await engine.dispose()
    assert case.urgency == "critical", "the NLU's urgency survives the crash"
    assert case.handoff_requested
    assert "fallback:processing_error" in case.urgency_reasons
    assert row is not None
    assert row.status == "done"
    assert row.last_error == "RuntimeError"
    assert logged.case_id == case.id, "the operator sees the message in the case"
    assert [r.text for r in replies if r.origin == "bot"] == [safety_fallback_reply(None).text]
