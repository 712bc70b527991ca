"""Mark a case's sender as abuse, and lift it again: ``/api/console/cases/{reference}/abuse``.

Marking blocks the contact and, on the web chat, the addresses the session wrote from (both
kept only as keyed hashes, ``storage.abuse.keyed``). A block never refuses or hides a message:
the sender's messages are still stored, a critical one still opens a case in the queue, and
the team gets one low-noise notice for it instead of an alarm (``bot.effects``); new web-chat
sessions from a blocked address are slowed (``bot.ratelimit``). Every mark and lift is in the
audit trail. docs/abuse.md explains the whole.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.console import openapi
from bot.console.auth import api
from bot.console.params import json_body, json_error, string
from bot.keys import LIMITS, SESSIONS, SETTINGS
from storage import abuse, audit, cases
from storage.models import AbuseBlock, Contact
from storage.operators import SessionInfo

log = logging.getLogger("bot.console")

PATH = "/api/console/cases/{reference}/abuse"
MAX_REASON = 500


async def get_abuse(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Whether the case's sender is blocked, and by which blocks (never the keys)."""
    reference = request.match_info["reference"]
    async with request.app[SESSIONS]() as session:
        case = await cases.by_reference(session, reference)
        if case is None:
            return json_error(404, "no such case")
        blocks = await abuse.blocks_of_case(session, case.id)
    return web.json_response(_view(blocks))


async def mark_abuse(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Block the case's sender (idempotent); the case itself stays as it is."""
    reference = request.match_info["reference"]
    reason = string(await json_body(request), "reason").strip()[:MAX_REASON] or None
    secret = request.app[SETTINGS].secret_key.get()
    async with request.app[SESSIONS]() as session:
        case = await cases.by_reference(session, reference)
        if case is None:
            return json_error(404, "no such case")
        contact = await session.get(Contact, case.contact_id)
        if contact is None:
            return json_error(409, "the case has no contact to block")
        keys = [("contact", abuse.keyed(secret, contact.channel_user_id))]
        if contact.channel == abuse.WEBCHAT:
            addresses = await abuse.webchat_addresses(session, contact.channel_user_id)
            keys += [("address", hashed) for hashed in sorted(addresses)]
        for kind, key in keys:
            await abuse.add_block(
                session,
                kind=kind,
                channel=contact.channel,
                key=key,
                reason=reason,
                case_id=case.id,
                operator_id=info.operator_id,
            )
        audit.audit(
            session,
            "abuse_marked",
            case_id=case.id,
            operator_id=info.operator_id,
            detail={"blocks": [kind for kind, _key in keys], "reason": reason},
        )
        blocks = await abuse.blocks_of_case(session, case.id)
        await session.commit()
    _refresh(request)
    log.info("case ref=%s marked as abuse by operator=%s", reference, info.operator_id)
    return web.json_response(_view(blocks))


async def lift_abuse(request: web.Request, info: SessionInfo) -> web.StreamResponse:
    """Lift the blocks made from this case (a mistake, or the person turned out genuine)."""
    reference = request.match_info["reference"]
    async with request.app[SESSIONS]() as session:
        case = await cases.by_reference(session, reference)
        if case is None:
            return json_error(404, "no such case")
        lifted = await abuse.lift_blocks(session, case.id, info.operator_id)
        audit.audit(
            session,
            "abuse_lifted",
            case_id=case.id,
            operator_id=info.operator_id,
            detail={"lifted": lifted},
        )
        await session.commit()
    _refresh(request)
    log.info("case ref=%s abuse block lifted by operator=%s", reference, info.operator_id)
    return web.json_response({"blocked": False, "blocks": [], "lifted": lifted})


def _view(blocks: list[AbuseBlock]) -> dict[str, Any]:
    return {
        "blocked": bool(blocks),
        "blocks": [
            {
                "kind": block.kind,
                "channel": block.channel,
                "reason": block.reason,
                "created_at": block.created_at.isoformat(),
                "created_by": block.created_by,
            }
            for block in blocks
        ],
    }


def _refresh(request: web.Request) -> None:
    """This process reads the block list again at once (others within a few seconds)."""
    if LIMITS in request.app:
        request.app[LIMITS].invalidate()


def add_routes(app: web.Application) -> None:
    """Register the routes (called from ``bot.console.api.add_routes``)."""
    app.router.add_get(PATH, api("operator")(get_abuse))
    app.router.add_post(PATH, api("operator")(mark_abuse))
    app.router.add_post(PATH + "/lift", api("operator")(lift_abuse))


_DOCUMENTED = [
    (
        "get",
        PATH,
        "operator",
        "Whether the case's sender is blocked as abuse, with each block's kind and reason.",
        None,
        [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}],
    ),
    (
        "post",
        PATH,
        "operator",
        "Mark the case's sender as abuse: block the contact (web chat: also its addresses, as "
        "keyed hashes). Messages are still stored and a critical one still opens a case; the "
        "team gets one low-noise notice instead of an alarm (docs/abuse.md).",
        {"type": "object", "properties": {"reason": {"type": "string"}}},
        [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}],
    ),
    (
        "post",
        PATH + "/lift",
        "operator",
        "Lift the blocks made from this case.",
        {"type": "object"},
        [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}],
    ),
]
# The console's OpenAPI document lists every route; these are documented where they are made.
openapi.ENDPOINTS.extend(e for e in _DOCUMENTED if e not in openapi.ENDPOINTS)
