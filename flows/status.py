"""Case status: only the contact that filed a case sees it, or whoever has its PIN.

``turn.cases`` holds this contact's own cases (the dispatcher looked them up by contact), so
they can be shown directly. From another phone the person sends the reference and the PIN, and
the flow asks the dispatcher to check them (``LookupCase``); the dispatcher answers with
:func:`render_case_status`, so a wrong PIN and an unknown reference get the same reply and
nobody can probe for references.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from flows import states
from flows.common import Ctx, btn, finish
from flows.texts import CATEGORY_LABELS, STATUS_LABELS, label, t
from flows.types import CaseSummary, LookupCase, Reply, TurnResult

_STATUS_CMD = re.compile(
    r"\b(cek|check|lihat|liat|cari)\s+(status|kasus|laporan)\b|\bstatus\s+(laporan|kasus|case)\b"
    r"|\bcase status\b|^status\b",
    re.IGNORECASE,
)
_PIN = re.compile(r"^\d{4,8}$")
# A reference: ours (SGA-XXXXXX, with or without the dash, in any case; older ones may have no
# digit at all), or another system's code, which must have a digit so words are not taken for it.
_REF = re.compile(r"^(?:(?i:SGA)-?[A-Za-z0-9]{6}|(?=.*\d)[A-Za-z0-9][A-Za-z0-9/_-]{3,23})$")
_KEYWORDS = frozenset(
    [
        "cek",
        "check",
        "lihat",
        "liat",
        "cari",
        "status",
        "kasus",
        "laporan",
        "case",
        "pin",
        "nomor",
        "no",
        "number",
        "ref",
        "my",
        "saya",
    ]
)


def is_status_request(text: str) -> bool:
    """Whether the text asks for a case's status ("cek status", "status laporan saya")."""
    return bool(_STATUS_CMD.search(text))


def mentioned_case(ctx: Ctx) -> CaseSummary | None:
    """One of the contact's own cases whose reference appears in the text."""
    upper = ctx.turn.text.upper()
    for case in ctx.turn.cases:
        if case.reference.upper() in upper:
            return case
    return None


def parse_ref(text: str) -> str | None:
    """A case reference alone ("cek status SGA-7KXM4P"), upper-cased; None if there is none."""
    words = [w.strip(".,:;()#*") for w in text.split()]
    refs = [w for w in words if w and w.lower() not in _KEYWORDS and _REF.match(w)]
    refs = [w for w in refs if not _PIN.match(w)]
    return refs[0].upper() if refs else None


def parse_ref_pin(text: str) -> tuple[str, str] | None:
    """``"ABC123 4567"`` -> (reference, PIN); None unless both are there."""
    words = [w.strip(".,:;()#*") for w in text.split()]
    words = [w for w in words if w and w.lower() not in _KEYWORDS]
    pins = [w for w in words if _PIN.match(w)]
    refs = [w for w in words if _REF.match(w) and w not in pins]
    if len(refs) >= 1 and pins:
        return refs[0].upper(), pins[-1]
    return None


# The time zone of each country in the directory (knowledge/content/directory.yml): a worker
# reads the time of the last update in her own clock, not in UTC.
COUNTRY_ZONES = {
    "TW": "Asia/Taipei", "HK": "Asia/Hong_Kong", "MO": "Asia/Macau", "MY": "Asia/Kuala_Lumpur",
    "SG": "Asia/Singapore", "SA": "Asia/Riyadh", "AE": "Asia/Dubai", "QA": "Asia/Qatar",
    "KW": "Asia/Kuwait", "BH": "Asia/Bahrain", "JO": "Asia/Amman", "EG": "Africa/Cairo",
    "IR": "Asia/Tehran", "JP": "Asia/Tokyo", "KR": "Asia/Seoul", "KH": "Asia/Phnom_Penh",
    "BN": "Asia/Brunei", "OM": "Asia/Muscat", "MM": "Asia/Yangon", "LA": "Asia/Vientiane",
    "TH": "Asia/Bangkok", "PH": "Asia/Manila",
}  # fmt: skip
HOME_ZONE = "Asia/Jakarta"  # WIB: for a case whose country is not known


def format_dt(case: CaseSummary, lang: str) -> str:
    """The last update as DD/MM/YYYY HH:MM in the case country's time (else WIB)."""
    zone = COUNTRY_ZONES.get(str(case.country or "").upper())
    moment = case.updated_at
    if moment.tzinfo is None:  # stored as UTC (SQLite hands it back without a zone)
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(zone or HOME_ZONE))
    where = t("local_time", lang) if zone else "WIB"
    return f"{local:%d/%m/%Y %H:%M} ({where})"


def render(summary: CaseSummary | None, lang: str) -> Reply:
    """A case's status for the worker (or "not found")."""
    if summary is None:
        return Reply(
            t("status_not_found", lang),
            (btn("btn.human", "handoff", lang), btn("btn.menu", "menu", lang)),
        )
    text = t(
        "status_line",
        lang,
        ref=summary.reference,
        category=label(CATEGORY_LABELS, summary.intent, lang),
        status=label(STATUS_LABELS, summary.status, lang),
        updated=format_dt(summary, lang),
    )
    if summary.last_update:
        text += "\n" + t("status_note", lang, note=summary.last_update)
    return Reply(text, (btn("btn.human", "handoff", lang), btn("btn.menu", "menu", lang)))


def locked(lang: str) -> Reply:
    """Too many wrong tries: wait, or ask a person (who can check the person's identity)."""
    return Reply(
        t("status_locked", lang),
        (btn("btn.human", "handoff", lang), btn("btn.menu", "menu", lang)),
    )


def unsafe_to_message(fields: Mapping[str, Any]) -> str | None:
    """Why the bot must not write to the worker unasked about this case, or None.

    A worker who said the chat is not safe ("majikan suka cek hp"), or safe only at certain
    times, is not sent status news at a moment she did not choose: she reads it when she asks
    "cek status", and the officer decides when to write (the case page shows her times).
    """
    if fields.get("safe_contact") in ("no", "times") or fields.get("safe_to_call") == "no":
        when = fields.get("contact_time")
        return f"contact not safe{f' (only: {when})' if when else ''}"
    return None


def status_changed(summary: CaseSummary, lang: str) -> Reply:
    """The message sent to the worker when an operator changes the status."""
    text = t(
        "status_changed",
        lang,
        ref=summary.reference,
        status=label(STATUS_LABELS, summary.status, lang),
    )
    if summary.last_update:
        text += "\n" + t("status_note", lang, note=summary.last_update)
    return Reply(text, (btn("btn.status", "status", lang), btn("btn.human", "handoff", lang)))


def start(ctx: Ctx) -> TurnResult:
    """Answer "cek status": the mentioned case, the contact's own cases, or ask for ref + PIN."""
    own = mentioned_case(ctx)
    if own is not None:
        return finish(ctx, [render(own, ctx.lang)], states.IDLE, {})
    ref_pin = parse_ref_pin(ctx.turn.text)
    if ref_pin is not None:
        return finish(ctx, [], states.IDLE, {}, [LookupCase(reference=ref_pin[0], pin=ref_pin[1])])
    if ctx.turn.cases:
        replies = [render(c, ctx.lang) for c in ctx.turn.cases[:3]]
        return finish(ctx, replies, states.IDLE, {})
    ref = parse_ref(ctx.turn.text)
    if ref is not None:
        # The reference is already typed: ask only for the PIN.
        reply = Reply(
            t("status_ask_pin", ctx.lang, ref=ref), (btn("btn.cancel", "cancel", ctx.lang),)
        )
        return finish(ctx, [reply], states.STATUS_ASK_REF, {states.REF: ref})
    reply = Reply(t("status_ask", ctx.lang), (btn("btn.cancel", "cancel", ctx.lang),))
    return finish(ctx, [reply], states.STATUS_ASK_REF, {})


def ask_ref_step(ctx: Ctx) -> TurnResult:
    """The person sent (we hope) a reference and a PIN."""
    own = mentioned_case(ctx)
    if own is not None:
        return finish(ctx, [render(own, ctx.lang)], states.IDLE, {})
    ref_pin = parse_ref_pin(ctx.turn.text)
    known = ctx.data.get(states.REF)
    pin = ctx.turn.text.strip()
    if ref_pin is None and known and _PIN.match(pin):
        ref_pin = (str(known), pin)
    if ref_pin is None:
        reply = Reply(
            t("status_bad_format", ctx.lang),
            (btn("btn.human", "handoff", ctx.lang), btn("btn.menu", "menu", ctx.lang)),
        )
        return finish(ctx, [reply], states.IDLE, {})
    return finish(ctx, [], states.IDLE, {}, [LookupCase(reference=ref_pin[0], pin=ref_pin[1])])
