"""Safety first: when the conversation logic fails, an urgent message still reaches a human.

The flows are replaced by a function that raises (fault injection through the dispatcher's
constructor, the same seam the app uses); everything else is real: database, NLU, texts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import MessageIn
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.effects import TextHooks
from bot.inbox_codec import message_to_json
from flows.router import render_case_status, run_turn, safety_fallback_reply
from flows.types import ConversationState, FlowDeps, TurnResult, UserTurn
from knowledge.retriever import InMemoryRetriever
from nlu.pipeline import EmbeddedNlu
from storage import cases, inbox
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import Case, InboxEvent, Message, OutboxMessage, utcnow
from tests.support.inbox import store_message


def real_dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    flows: Callable[[UserTurn, ConversationState, FlowDeps], TurnResult],
    *,
    on_done: Callable[[list[int]], None],
) -> Dispatcher:
    """The dispatcher as the app builds it, with the given flows (the fault-injection seam)."""
    return Dispatcher(
        sessions=sessions,
        settings=settings,
        nlu=EmbeddedNlu.load(),
        run_turn=flows,
        deps=FlowDeps(
            retriever=InMemoryRetriever.from_directory(),
            now=utcnow,
            new_reference=cases.new_reference,
            new_pin=cases.new_pin,
        ),
        texts=TextHooks(safety_fallback=safety_fallback_reply, case_status=render_case_status),
        adapters={},
        on_done=on_done,
    )


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
    dispatcher = real_dispatcher(
        sessions,
        settings_factory(database_url),
        broken_flows,
        on_done=lambda ids: None if inbox_id not in ids or done.done() else done.set_result(None),
    )
    text = "tolong saya dipukul majikan sekarang, saya dikunci di kamar"
    event = MessageIn(dedup_key="s:1", conversation_key="safety-0001", external_id="1", text=text)
    inbox_id = await store_message(sessions, event)
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


async def test_one_failing_event_does_not_hold_up_its_batch(
    database_url: str, settings_factory: Callable[..., Settings]
) -> None:
    """Events are processed in batches; a batch that fails is retried event by event, so only
    the event whose turn crashes takes the fallback and the others get their normal answers."""
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    def flaky_flows(turn: UserTurn, state: ConversationState, deps: FlowDeps) -> TurnResult:
        if "BOOM" in turn.text:
            raise RuntimeError("a bug triggered by one message")
        return run_turn(turn, state, deps)

    texts = {"batch-a": "halo", "batch-b": "BOOM halo", "batch-c": "syarat jadi pmi apa"}
    ids: dict[str, int] = {}
    async with sessions() as session, session.begin():
        for key, text in texts.items():
            event = MessageIn(
                dedup_key=f"{key}:1", conversation_key=key, external_id="1", text=text
            )
            new_id = await inbox.claim(
                session,
                channel="webchat",
                dedup_key=event.dedup_key,
                conversation_key=key,
                event=message_to_json(event),
            )
            assert new_id is not None
            ids[key] = new_id
    handled: set[int] = set()
    all_done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_done(done_ids: list[int]) -> None:
        handled.update(done_ids)
        if handled >= set(ids.values()) and not all_done.done():
            all_done.set_result(None)

    dispatcher = real_dispatcher(
        sessions, settings_factory(database_url), flaky_flows, on_done=on_done
    )
    try:
        await dispatcher.start()
        await asyncio.wait_for(all_done, timeout=20)
    finally:
        await dispatcher.close()
    fallback = safety_fallback_reply(None).text
    async with sessions() as session:
        rows = {row.id: row for row in (await session.execute(select(InboxEvent))).scalars()}
        replies = list((await session.execute(select(OutboxMessage))).scalars())
        filed = list((await session.execute(select(Case))).scalars())
    await engine.dispose()
    by_recipient: dict[str, list[str]] = {}
    for reply in replies:
        by_recipient.setdefault(reply.recipient, []).append(reply.text)
    assert all(row.status == "done" for row in rows.values())
    assert rows[ids["batch-b"]].last_error == "RuntimeError"
    assert rows[ids["batch-a"]].last_error is None
    assert by_recipient["batch-b"] == [fallback]
    assert by_recipient["batch-a"]
    assert fallback not in by_recipient["batch-a"]
    assert by_recipient["batch-c"]
    assert fallback not in by_recipient["batch-c"]
    assert [c.urgency_reasons for c in filed] == [["fallback:processing_error"]]
