"""The OpenAPI 3.1 document of the console API, served at ``/api/openapi.json``.

Written by hand from one table (method, path, role, summary, request body), so it stays short;
a test checks that every ``/api/console`` route is documented and nothing else is.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.channels.registry import CHANNELS, WEBCHAT
from bot.console import advisories
from nlu.types import Urgency
from storage.cases import STATUSES
from storage.integration import EVENTS, SCOPES

_REF = {
    "name": "reference",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "example": "SGA-7KXM4P",
}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


_S = {"type": "string"}
DATES = [
    {"name": n, "in": "query", "required": False, "schema": {"type": "string", "format": "date"}}
    for n in ("since", "until")
]
OPERATOR_ID = [
    {"name": "operator_id", "in": "path", "required": True, "schema": {"type": "integer"}}
]
_B = {"type": "boolean"}

# (method, path, role or None for public, summary, request body schema or None, extra params)
ENDPOINTS: list[tuple[str, str, str | None, str, dict[str, Any] | None, list[dict[str, Any]]]] = [
    (
        "post",
        "/api/console/login",
        None,
        "Log in; sets the session cookie and returns the CSRF token. Locks the account after "
        "SIAGA_LOGIN_MAX_FAILURES failures; 429 with Retry-After after "
        "SIAGA_LOGIN_MAX_PER_ADDRESS failures from one address. An account with two-step login "
        "also sends code (a missing or wrong code: 401 with totp_required). action: "
        "change_password or setup_totp when the account must do that before anything else.",
        _obj(["username", "password"], username=_S, password=_S, code=_S),
        [],
    ),
    ("post", "/api/console/logout", "operator", "End the session.", {"type": "object"}, []),
    ("get", "/api/console/me", "operator", "The logged-in operator and CSRF token.", None, []),
    (
        "get",
        "/api/console/queue",
        "operator",
        "Open cases, most urgent first, then longest waiting.",
        None,
        [
            {"name": n, "in": "query", "required": False, "schema": _S, "description": d}
            for n, d in [
                ("status", "one status (default: every open status)"),
                ("urgency", "critical, high, normal or low"),
                ("category", "an intent (complaint.abuse) or a kind (complaint)"),
                ("country", "country as recorded at intake"),
                ("channel", ", ".join([*CHANNELS, WEBCHAT])),
                ("operator", "me, none, or an operator id"),
                ("q", "reference, phone number or name"),
            ]
        ],
    ),
    ("get", "/api/console/filters", "operator", "Values for the queue's filter menus.", None, []),
    (
        "get",
        "/api/console/cases/{reference}",
        "operator",
        "The case: conversation with media and delivery status, NLU labels and reasons, intake "
        "fields, notes, history, composer state. Audited as a view.",
        None,
        [_REF],
    ),
    (
        "post",
        "/api/console/cases/{reference}/take",
        "operator",
        "Take the case over; the bot goes silent. 409 if another operator holds it. force=true "
        "(supervisors) takes it from them.",
        _obj([], force=_B),
        [_REF],
    ),
    (
        "post",
        "/api/console/cases/{reference}/release",
        "operator",
        "Put the case back in the shared queue.",
        {"type": "object"},
        [_REF],
    ),
    (
        "post",
        "/api/console/cases/{reference}/reply",
        "operator",
        "Send a message through the worker's channel (outbox). Outside WhatsApp's 24-hour window "
        "only template=true is accepted.",
        _obj([], text=_S, template=_B),
        [_REF],
    ),
    (
        "post",
        "/api/console/cases/{reference}/handback",
        "operator",
        "Give the conversation back to the bot; the worker is told.",
        {"type": "object"},
        [_REF],
    ),
    (
        "post",
        "/api/console/cases/{reference}/status",
        "operator",
        "Change the status; resolved and closed need a resolution. The worker is told unless "
        "notify_worker=false or she said the chat is not safe (then the response's "
        "worker_not_notified says why; she sees the status when she asks). 409 if another "
        "operator holds the case (supervisors may).",
        _obj(
            ["status"],
            status={"enum": list(STATUSES)},
            resolution=_S,
            worker_update=_S,
            notify_worker=_B,
        ),
        [_REF],
    ),
    (
        "post",
        "/api/console/cases/{reference}/notes",
        "operator",
        "Add an internal note (never sent to the worker).",
        _obj(["text"], text=_S),
        [_REF],
    ),
    (
        "post",
        "/api/console/cases/{reference}/corrections",
        "operator",
        "Correct category and/or urgency (audited); lowering urgency needs a reason. 409 if "
        "another operator holds the case (supervisors may).",
        _obj([], intent=_S, urgency={"enum": [str(u) for u in reversed(Urgency)]}, reason=_S),
        [_REF],
    ),
    (
        "get",
        "/api/console/canned",
        "operator",
        "Canned replies (phrases and knowledge base).",
        None,
        [{"name": "lang", "in": "query", "required": False, "schema": _S}],
    ),
    (
        "get",
        "/api/console/events",
        "operator",
        "Server-sent events: case_new, message, case_changed, delivery (text/event-stream).",
        None,
        [],
    ),
    (
        "get",
        "/api/console/media/{key}",
        "operator",
        "An attachment the worker sent: inline only for safe types whose bytes match, else a "
        "download; always sandboxed (CSP sandbox, nosniff).",
        None,
        [{"name": "key", "in": "path", "required": True, "schema": _S}],
    ),
    (
        "get",
        "/api/console/dashboard",
        "supervisor",
        "Cases by category, country, urgency and week; first-response and resolution times; SLA "
        "breaches; complaints per recruitment company.",
        None,
        [
            {
                "name": n,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "format": "date"},
            }
            for n in ("since", "until")
        ],
    ),
    (
        "get",
        "/api/console/export.csv",
        "supervisor",
        "Cases of a period as CSV (no names, numbers or message text).",
        None,
        [
            {
                "name": n,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "format": "date"},
            }
            for n in ("since", "until")
        ],
    ),
    (
        "get",
        "/api/console/audit",
        "supervisor",
        "Newest audit-trail entries.",
        None,
        [{"name": "before", "in": "query", "required": False, "schema": {"type": "integer"}}],
    ),
    ("get", "/api/console/operators", "admin", "Console accounts.", None, []),
    (
        "post",
        "/api/console/operators",
        "admin",
        "Create an account.",
        _obj(
            ["username", "password", "role"],
            username=_S,
            password={"type": "string", "minLength": 10},
            role={"enum": ["operator", "supervisor", "admin"]},
        ),
        [],
    ),
    (
        "post",
        "/api/console/operators/{operator_id}/unlock",
        "admin",
        "Clear a lock-out.",
        {"type": "object"},
        [{"name": "operator_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    ),
    (
        "get",
        "/api/console/erasure-requests",
        "supervisor",
        "Requests to delete personal data, waiting for a supervisor (docs/privacy.md).",
        None,
        [],
    ),
    (
        "post",
        "/api/console/erasure-requests/{request_id}/execute",
        "supervisor",
        "Erase the person's data (irreversible); the audit trail and statistics stay.",
        {"type": "object"},
        [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    ),
    (
        "post",
        "/api/console/erasure-requests/{request_id}/refuse",
        "supervisor",
        "Refuse a request, with the reason.",
        {
            "type": "object",
            "required": ["reason"],
            "properties": {"reason": {"type": "string"}},
        },
        [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    ),
    # --- referrals (bot.console.referrals, docs/console.md "Referrals") ---
    (
        "get",
        "/api/console/partners",
        "operator",
        "Partners to refer a case to: the directory's missions (by country) and national "
        "partners (BP3MI by province, police, BPJS Ketenagakerjaan, Immigration).",
        None,
        [
            {"name": "country", "in": "query", "required": False, "schema": _S},
            {"name": "province", "in": "query", "required": False, "schema": _S},
        ],
    ),
    (
        "get",
        "/api/console/cases/{reference}/referrals",
        "operator",
        "The case's referrals with their history, and the partners that fit the case.",
        None,
        [_REF, {"name": "province", "in": "query", "required": False, "schema": _S}],
    ),
    (
        "post",
        "/api/console/cases/{reference}/referrals",
        "operator",
        "Refer the case to a partner; the worker is told the partner's name (never the request "
        "or notes) and the case becomes referred. Needs the case taken over (or a supervisor). "
        "due_at: a date (end of that day, Asia/Jakarta) or a timestamp with its offset.",
        _obj(
            ["partner_key", "request"], partner_key=_S, request=_S, partner_reference=_S, due_at=_S
        ),
        [_REF],
    ),
    (
        "post",
        "/api/console/referrals/{referral_id}",
        "operator",
        "Record the partner's progress (forward only: sent, acknowledged, acting, done; or "
        "declined) and/or an internal note or their reference number.",
        _obj(
            [],
            status={"enum": ["sent", "acknowledged", "acting", "done", "declined"]},
            note=_S,
            partner_reference=_S,
        ),
        [{"name": "referral_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    ),
    (
        "get",
        "/api/console/referrals/overdue",
        "operator",
        "Open referrals past their due date (the queue's reminders).",
        None,
        [],
    ),
    (
        "get",
        "/api/console/referrals/stats",
        "supervisor",
        "Referrals per partner in a period: counts, open, overdue, done, declined, median hours "
        "to acknowledge and to close.",
        None,
        [
            {
                "name": n,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "format": "date"},
            }
            for n in ("since", "until")
        ],
    ),
    # --- shift handover and duty (bot.console.handover, docs/console.md "Shift handover") ---
    (
        "get",
        "/api/console/handover",
        "operator",
        "What the next shift inherits: open critical and high cases, first-response targets "
        "falling due within `hours` (default 8; already missed ones too), overdue referrals, "
        "the last 24 hours' handover notes, and who is on duty.",
        None,
        [{"name": "hours", "in": "query", "required": False, "schema": {"type": "integer"}}],
    ),
    (
        "post",
        "/api/console/handover/notes",
        "operator",
        "Write a note for the next shift (internal; audited without its text).",
        _obj(["text"], text=_S),
        [],
    ),
    ("get", "/api/console/duty", "operator", "Who is on duty now.", None, []),
    (
        "post",
        "/api/console/duty",
        "operator",
        "Mark myself on or off duty; critical alerts name the operators on duty.",
        _obj(["on_duty"], on_duty=_B),
        [],
    ),
    # --- accounts (bot.console.accounts, docs/console.md "Accounts") ---
    (
        "post",
        "/api/console/me/password",
        "operator",
        "Change my password (the current one is needed); my other sessions end.",
        _obj(["current_password", "new_password"], current_password=_S, new_password=_S),
        [],
    ),
    (
        "post",
        "/api/console/me/totp",
        "operator",
        "Start setting up two-step login: returns the secret and its otpauth URI.",
        {"type": "object"},
        [],
    ),
    (
        "post",
        "/api/console/me/totp/enable",
        "operator",
        "Turn two-step login on with a code from the authenticator app.",
        _obj(["code"], code=_S),
        [],
    ),
    (
        "post",
        "/api/console/me/totp/disable",
        "operator",
        "Turn two-step login off (password and a current code); refused for admins while "
        "SIAGA_REQUIRE_2FA=admins.",
        _obj(["password", "code"], password=_S, code=_S),
        [],
    ),
    (
        "post",
        "/api/console/operators/{operator_id}/password",
        "admin",
        "Set a temporary password, changed at the next login; the account's sessions end. "
        "reset_totp also removes its second factor.",
        _obj(["password"], password={"type": "string", "minLength": 10}, reset_totp=_B),
        OPERATOR_ID,
    ),
    (
        "post",
        "/api/console/operators/{operator_id}/active",
        "admin",
        "Deactivate (every session ends at once, on every instance) or reactivate an account.",
        _obj(["active"], active=_B),
        OPERATOR_ID,
    ),
    # --- integration (bot.console.integration, docs/console.md "Integration") ---
    ("get", "/api/console/webhooks", "admin", "Webhook subscribers.", None, []),
    (
        "post",
        "/api/console/webhooks",
        "admin",
        "Add a subscriber of signed case events; the signing secret is in this answer only. "
        "personal_data=true allows names to be sent to it.",
        _obj(
            ["name", "url"],
            name=_S,
            url=_S,
            events={"type": "array", "items": {"enum": list(EVENTS)}},
            personal_data=_B,
        ),
        [],
    ),
    (
        "post",
        "/api/console/webhooks/{webhook_id}/active",
        "admin",
        "Pause or resume a subscriber.",
        _obj(["active"], active=_B),
        [{"name": "webhook_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    ),
    (
        "get",
        "/api/console/webhooks/deliveries",
        "admin",
        "Recent deliveries without payload; status=failed for those given up.",
        None,
        [{"name": "status", "in": "query", "required": False, "schema": _S}],
    ),
    ("get", "/api/console/tokens", "admin", "API tokens (never their values).", None, []),
    (
        "post",
        "/api/console/tokens",
        "admin",
        "Create an API token (sent as Authorization: Bearer) with scopes cases:read and/or "
        "stats:read; its value is in this answer only.",
        _obj(
            ["name", "scopes"],
            name=_S,
            scopes={"type": "array", "items": {"enum": list(SCOPES)}},
        ),
        [],
    ),
    (
        "post",
        "/api/console/tokens/{token_id}/revoke",
        "admin",
        "Revoke a token at once.",
        {"type": "object"},
        [{"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    ),
    # --- recruitment companies (bot.console.companies, docs/console.md) ---
    (
        "get",
        "/api/console/cases/{reference}/company",
        "operator",
        "The company name the worker typed, the confirmed P3MI, and fuzzy-matched suggestions.",
        None,
        [_REF],
    ),
    (
        "post",
        "/api/console/cases/{reference}/company",
        "operator",
        "Confirm the case's P3MI: company_id, or name (and licence_number) to create it first.",
        _obj([], company_id={"type": "integer"}, name=_S, licence_number=_S),
        [_REF],
    ),
    (
        "get",
        "/api/console/companies",
        "operator",
        "Companies matching q (fuzzy), best first.",
        None,
        [{"name": "q", "in": "query", "required": False, "schema": _S}],
    ),
    (
        "post",
        "/api/console/companies/import",
        "supervisor",
        "Import companies from a CSV body (text/csv): a name column (name or nama) and a licence "
        "column (licence_number, nomor_izin, sip3mi …); known licences or names are updated.",
        {"type": "string"},
        [],
    ),
    (
        "get",
        "/api/console/companies/stats",
        "supervisor",
        "Complaints per confirmed company in a period (total, open, critical).",
        None,
        DATES,
    ),
]

_ERRORS = {
    "400": {
        "description": "Invalid request",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "401": {"description": "Not logged in"},
    "403": {"description": "Role too small, or CSRF token missing/wrong"},
    "404": {"description": "No such case"},
    "409": {
        "description": "Conflict: held by another operator, closed, or outside the 24-hour window"
    },
    "429": {"description": "Too many failed logins from this address (login only)"},
}


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path, role, summary, body, params in [*ENDPOINTS, *advisories.ENDPOINTS]:
        op: dict[str, Any] = {
            "summary": summary.split(";")[0].split(". ")[0],
            "description": summary + (f"\n\nRole: {role}." if role else "\n\nPublic."),
            "tags": ["console"],
            "parameters": params,
            "responses": {"200": {"description": "OK"}, **_ERRORS},
        }
        if role is not None:
            op["security"] = [{"session": []}]
            if method == "post":
                op["parameters"] = [
                    *params,
                    {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": _S},
                ]
        else:
            op["security"] = []
        if body is not None:
            kind = "text/csv" if path.endswith("/import") else "application/json"
            op["requestBody"] = {"required": True, "content": {kind: {"schema": body}}}
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Siaga command-centre console API",
            "version": "1.0.0",
            "description": "The JSON API behind /console. Log in with POST /api/console/login; "
            "send the returned csrf_token in X-CSRF-Token on every POST. Every case view and "
            "change is written to the audit trail.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "siaga_console"},
                "token": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {"Error": _obj(["error"], error=_S)},
        },
    }


async def serve(_request: web.Request) -> web.Response:
    """``GET /api/openapi.json``."""
    return web.json_response(document())
