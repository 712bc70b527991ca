"""Issue 14, finding 10: the case PIN, checked from another phone with "cek status REF PIN".

Found on a clean clone: no attempt limit (61 guesses in 8 s found a PIN), a timing difference
that told whether a reference exists, and 30 of 122 references without a digit, which the
lookup's pattern required, so those cases could never be checked. The first two were fixed with
the conversation work (``storage.cases.lookup_with_pin``); these tests hold all three through the
web chat, as a person on another phone meets them.
"""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import pytest

from bot.keys import SESSIONS
from nlu.types import Urgency
from storage import cases
from storage.conversations import get_or_create_contact, lock_conversation
from tests.support.server import RunningSiaga

PIN = "482913"


async def _case(app: RunningSiaga, reference: str) -> None:
    async with app.app[SESSIONS]() as session:
        contact = await get_or_create_contact(session, "webchat", uuid.uuid4().hex)
        conversation = await lock_conversation(session, contact)
        await cases.open_case(
            session,
            reference=reference,
            contact_id=contact.id,
            conversation_id=conversation.id,
            channel="webchat",
            intent="complaint.unpaid_wages",
            urgency=Urgency.NORMAL,
            pin=PIN,
        )
        await session.commit()


async def _say(app: RunningSiaga, session_id: str, text: str) -> str:
    body: dict[str, Any] = {"session_id": session_id, "text": text, "message_id": uuid.uuid4().hex}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{app.url}/api/webchat/messages", json=body) as resp,
    ):
        data = await resp.json()
        assert resp.status == 200, data
    return "\n".join(r["text"] for r in data["replies"])


@pytest.mark.parametrize("reference", ["SGA-KXMABP", "SGA-7KXM4P"])
async def test_every_reference_can_be_checked_with_its_pin(
    app: RunningSiaga, reference: str
) -> None:
    """A reference without a digit is as checkable as one with digits, in every way it is typed."""
    await _case(app, reference)
    suffix = reference.removeprefix("SGA-")
    for typed in [
        f"cek status {reference} {PIN}",
        f"cek status {reference.lower()} {PIN}",
        f"cek status SGA{suffix} {PIN}",
    ]:
        answer = await _say(app, uuid.uuid4().hex, typed)
        assert reference in answer, (typed, answer)
        assert "Status" in answer, (typed, answer)
    # The reference first, the PIN when asked for it.
    session_id = uuid.uuid4().hex
    asked = await _say(app, session_id, f"cek status {reference}")
    assert reference in asked, asked
    assert "PIN" in asked, asked
    answer = await _say(app, session_id, PIN)
    assert reference in answer, answer
    assert "Status" in answer, answer


def test_new_references_are_quotable() -> None:
    """Every new reference has a digit, so it is recognised even without its ``SGA-``."""
    for _ in range(2000):
        ref = cases.new_reference()
        assert any(ch.isdigit() for ch in ref.removeprefix("SGA-")), ref


async def test_a_pin_cannot_be_guessed_and_references_cannot_be_probed(
    app: RunningSiaga,
) -> None:
    await _case(app, "SGA-7KXM4P")
    prober = uuid.uuid4().hex
    wrong = await _say(app, prober, f"cek status SGA-7KXM4P {999999}")
    unknown = await _say(app, prober, f"cek status SGA-9WXY3W {PIN}")
    assert wrong == unknown  # an unknown reference and a wrong PIN look the same
    # Another phone (a new conversation) goes on guessing the same reference.
    second = uuid.uuid4().hex
    for guess in range(4):
        answer = await _say(app, second, f"cek status SGA-7KXM4P {guess:06d}")
        assert answer == wrong
    # Five wrong PINs for the reference: refused, the right PIN too, from every conversation.
    locked = await _say(app, second, f"cek status SGA-7KXM4P {PIN}")
    assert "Status" not in locked
    assert "SGA-7KXM4P" not in locked
    assert locked != wrong
    third = await _say(app, uuid.uuid4().hex, f"cek status SGA-7KXM4P {PIN}")
    assert third == locked
