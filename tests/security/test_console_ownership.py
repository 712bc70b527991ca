"""Issue 14, finding 11: an operator closed another operator's case through ``/status`` (which
also handed the conversation back to the bot) and then lowered its urgency. A case someone holds
is changed only by its holder or a supervisor, whatever the command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bot.keys import SESSIONS
from nlu.types import Urgency
from storage.models import AuditEntry, Case, Conversation
from tests.console.conftest import seed_case
from tests.security.conftest import Client
from tests.support.server import RunningSiaga


async def _case(app: RunningSiaga, reference: str) -> tuple[Case, Conversation]:
    async with app.app[SESSIONS]() as session:
        case = (
            await session.execute(select(Case).where(Case.reference == reference))
        ).scalar_one()
        conversation = await session.get(Conversation, case.conversation_id)
        assert conversation is not None
        return case, conversation


async def test_only_the_holder_or_a_supervisor_changes_a_held_case(
    app: RunningSiaga, logged_in: Callable[[str], Awaitable[Client]]
) -> None:
    ref = await seed_case(app.app[SESSIONS], urgency=Urgency.CRITICAL, intent="complaint.abuse")
    ana, budi, sari = await logged_in("ana"), await logged_in("budi"), await logged_in("sari")
    base = f"/api/console/cases/{ref}"
    status, _ = await ana.post(f"{base}/take")
    assert status == 200

    attempts: list[tuple[str, dict[str, Any]]] = [
        ("status", {"status": "closed", "resolution": "spam"}),
        ("status", {"status": "waiting_for_worker"}),
        ("corrections", {"urgency": "low", "reason": "bukan darurat"}),
        ("corrections", {"intent": "question.other"}),
        ("handback", {}),
        ("release", {}),
        ("reply", {"text": "halo"}),
    ]
    for command, body in attempts:
        status, data = await budi.post(f"{base}/{command}", body)
        assert status == 409, (command, status, data)
        assert data["error"], command

    case, conversation = await _case(app, ref)
    assert case.status == "in_progress" or case.status == "new"
    assert case.urgency == "critical"
    assert case.intent == "complaint.abuse"
    assert conversation.owner_operator_id is not None  # ana still holds the conversation
    async with app.app[SESSIONS]() as session:
        actions = list(
            (
                await session.scalars(
                    select(AuditEntry.action).where(AuditEntry.case_id == case.id)
                )
            ).all()
        )
    assert "status_changed" not in actions
    assert "corrected" not in actions

    # A colleague may still read it and leave an internal note.
    status, _ = await budi.get(base)
    assert status == 200
    status, _ = await budi.post(f"{base}/notes", {"text": "saya kenal agensinya"})
    assert status == 201

    # The holder and a supervisor may change it.
    status, data = await ana.post(f"{base}/corrections", {"intent": "complaint.unpaid_wages"})
    assert status == 200, data
    status, data = await sari.post(
        f"{base}/status", {"status": "closed", "resolution": "dirujuk ke KBRI"}
    )
    assert status == 200, data


async def test_a_case_nobody_holds_stays_open_to_every_operator(
    app: RunningSiaga, logged_in: Callable[[str], Awaitable[Client]]
) -> None:
    ref = await seed_case(app.app[SESSIONS])
    budi = await logged_in("budi")
    status, data = await budi.post(f"/api/console/cases/{ref}/corrections", {"urgency": "high"})
    assert status == 200, data
    status, data = await budi.post(f"/api/console/cases/{ref}/status", {"status": "referred"})
    assert status == 200, data
