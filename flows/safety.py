"""The critical path: when someone's life or safety is at risk, skip every form.

A critical message opens a case at once (the dispatcher alerts the on-duty team), the person
immediately gets the emergency numbers for their country and the Indonesian mission's hotline,
and then only the two questions that help responders: are you safe now, and where are you.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flows import states
from flows.common import Ctx, btn, finish
from flows.texts import NATIONAL_LINES, t
from flows.types import (
    LOCATION,
    PHONE,
    CaseSummary,
    Effect,
    OpenCase,
    Reply,
    TurnResult,
    UpdateCase,
)
from nlu.types import COMPLAINT_INTENTS, Urgency

# How many numbers of each kind the answer gives, in this order: few enough to read at once on a
# small screen. Crisis lines only for someone who wants to end their life (docs/emergencies.md).
LINES_PER_KIND: tuple[tuple[str, int], ...] = (
    ("crisis", 2),
    ("emergency", 2),
    ("mission", 2),
    ("labour", 1),
)
SELF_HARM = "self_harm"

# Someone writing about a relative or a friend ("adik sy di Taiwan…", "my sister…"): the
# questions then ask about *them* ("is she safe?"), and the answers are kept as theirs.
_FAMILY = re.compile(
    r"\b(?:adik|adek|kakak|kaka|mbak|mbakyu|abang|anak|istri|isteri|bini|suami|ibu|emak|mak|"
    r"bapak|ayah|ponakan|keponakan|sepupu|ipar|cucu|mertua|tante|bibi|paman|om)(?:ku|\s*(?:saya|sy|"
    r"aku|gw|gue|kami))\b|\bmy\s+(?:sister|brother|daughter|son|wife|husband|mother|mom|"
    r"father|dad|aunt|niece|nephew|cousin)\b|\b(?:adhiku|mbakyuku|bojoku|anakku|ibuku|"
    r"adi abdi|lanceuk abdi|pamajikan abdi|salaki abdi|anak abdi)\b",
    re.IGNORECASE,
)
_FRIEND = re.compile(
    r"\b(?:teman|temen|kawan|kancaku|kanca|babaturan|sahabat)(?:ku|\s*(?:saya|sy|aku|gw|"
    r"sekamar|kerja))?\b|\bmy\s+(?:friend|roommate|colleague)\b",
    re.IGNORECASE,
)


# "gaji sy blm dibayar", "majikan saya", "aku", "my employer": the writer speaks of themself.
_SELF = re.compile(
    r"\b(?:saya|sy|sya|aku|aq|gw|gue|gua|ane|abdi|kula|kulo|dhewe|my|me|myself|i|i'm|im)\b",
    re.IGNORECASE,
)
# Typed answers to "who is this report for?" that name a relation without a possessive.
_KIN = re.compile(
    r"\b(?:keluarga|family|famili|adik|adek|kakak|anak|istri|suami|ibu|bapak|ayah|ponakan|"
    r"keponakan|sepupu|saudara|sodara|sister|brother|daughter|son|wife|husband|mother|father)\b",
    re.IGNORECASE,
)
_OTHER = re.compile(r"\b(?:orang lain|someone else|other|lainnya|tetangga|kenalan)\b", re.I)
_SELF_ANSWER = re.compile(r"\b(?:sendiri|diri|myself|me|self)\b", re.IGNORECASE)


_NAME_CUE = re.compile(
    r"\bnama\s*(?:saya|sy|aku|ku|adik\s*(?:saya|sy|ku)?|anak\s*(?:saya|sy|ku)?|kakak\s*"
    r"(?:saya|sy|ku)?|istri\s*(?:saya|sy|ku)?|suami\s*(?:saya|sy|ku)?|nya)?\s*(?:adalah\s+)?"
    r"([A-Za-z][a-z']+(?:\s+[A-Z][a-z']+)?)|\bmy name is\s+([A-Za-z][a-z']+)",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset({"saya", "aku", "sy", "adik", "anak", "kakak", "istri", "suami", "nya"})


def name_from_text(text: str) -> str | None:
    """The affected worker's name when the message gives it ("namanya Rina", "nama saya Siti")."""
    found = _NAME_CUE.search(text)
    name = (found.group(1) or found.group(2)) if found else None
    if not name or name.lower() in _NOT_NAMES:
        return None
    return name.strip().title()


def reporter_from_text(text: str) -> str | None:
    """Who is writing, when the message says: "family", "friend", "self", or None (ask).

    A relative or friend named with a possessive wins over the first person ("majikan saya
    pukul adik saya" is about the sister); the first person alone means the writer.
    """
    if _FAMILY.search(text):
        return "family"
    if _FRIEND.search(text):
        return "friend"
    if _SELF.search(text):
        return "self"
    return None


def reporter_answer(text: str) -> str | None:
    """A typed answer to "who is this report for?" ("sy sendiri", "utk adik", "teman")."""
    if _FRIEND.search(text) or re.search(r"\b(?:teman|temen|kawan|friend)\b", text, re.I):
        return "friend"
    if _FAMILY.search(text) or _KIN.search(text):
        return "family"
    if _OTHER.search(text):
        return "other"
    if _SELF_ANSWER.search(text) or _SELF.search(text):
        return "self"
    return None


# A contact's case still being handled and touched this recently takes their next report-like
# message (a mother's "trs gmn kalo hp anak sy diambil?") instead of a second case.
OPEN_CASE_DAYS = 14
_FINISHED = frozenset(["resolved", "closed"])


def open_case(ctx: Ctx) -> CaseSummary | None:
    """The contact's newest case that is still being handled and recent, if any."""
    for case in ctx.turn.cases:  # newest first
        if case.status in _FINISHED:
            continue
        if ctx.now() - case.updated_at <= timedelta(days=OPEN_CASE_DAYS):
            return case
    return None


def country_code(ctx: Ctx) -> str | None:
    """The country the person is in: NLU entity, then the words, then earlier answers."""
    directory = ctx.deps.retriever.directory
    for ent in ctx.turn.parse.entities:
        if ent.entity == "country":
            found = directory.lookup(ent.value) or directory.lookup(str(ent.extra.get("code", "")))
            if found is not None:
                return str(found.code)
    found = directory.find_in_text(ctx.turn.text)
    if found is not None:
        return str(found.code)
    fields = ctx.data.get(states.FIELDS) or {}
    for key in (states.COUNTRY_CODE, "country"):
        value = fields.get(key) or ctx.data.get(key)
        if isinstance(value, str) and (found := directory.lookup(value)) is not None:
            return str(found.code)
    for case in ctx.turn.cases:  # the person's own cases, newest first
        if case.country and (found := directory.lookup(case.country)) is not None:
            return str(found.code)
    return None


def self_harm(ctx: Ctx) -> bool:
    """Whether the message is about someone wanting to end their life."""
    return ctx.turn.parse.situation == SELF_HARM


def emergency_lines(ctx: Ctx, code: str | None) -> str:
    """Bullet lines: the country's numbers by kind (:data:`LINES_PER_KIND`), then the national.

    A crisis line comes first for self-harm, when the directory knows one for the country
    (only confirmed ones are listed there, docs/facts.md §9); the emergency services, the
    Indonesian mission and the ministry's lines always follow. Numbers from a single source
    (``[S]``) are marked "not verified"; ``[U]`` numbers are not in the directory at all.
    """
    lines: list[str] = []
    country = ctx.deps.retriever.directory.countries.get(code) if code else None
    if country is not None:
        for kind, most in LINES_PER_KIND:
            if kind == "crisis" and not self_harm(ctx):
                continue
            if kind == "labour" and self_harm(ctx):
                continue  # a labour office is no help tonight; keep the message short
            for c in [c for c in country.contacts if c.kind == kind][:most]:
                mark = "" if c.verified else f" ({t('unverified', ctx.lang)})"
                lines.append(f"• {c.label(ctx.lang)}: {c.value}{mark}")
    lines.append(NATIONAL_LINES[ctx.lang])
    gap = country.gap_note(ctx.lang) if country is not None else None
    if gap:
        # No confirmed mission number for this country: say so, and what to use instead
        # (docs/facts.md §9), rather than leave the worker looking for one.
        lines.append(f"ℹ️ {gap}")
    if country is None:
        # No country known: the Safe Travel panic button finds the nearest mission itself
        # (docs/facts.md §1.2 [C]).
        lines.append(
            "• Safe Travel (Kemlu): tombol darurat di aplikasi"
            if ctx.lang == "id"
            else "• Safe Travel (Kemlu): panic button in the app"
        )
    return "\n".join(lines)


def complaint_intent(ctx: Ctx) -> str:
    """The complaint intent for a case: the NLU's, or the best-ranked complaint, or other."""
    if ctx.turn.parse.intent.name in COMPLAINT_INTENTS:
        return ctx.turn.parse.intent.name
    for score in ctx.turn.parse.intent_ranking:
        if score.name in COMPLAINT_INTENTS:
            return score.name
    return "complaint.other"


def _safe_buttons(lang: str) -> tuple[Any, ...]:
    return (
        btn("btn.safe_yes", "safe:yes", lang),
        btn("btn.safe_no", "safe:no", lang),
        btn("btn.cant_talk", "safe:cant_talk", lang),
    )


def start_critical(ctx: Ctx) -> TurnResult:
    """Open (or escalate) the case, send the numbers, ask "are you safe now?".

    The case is opened before any consent question. UU 27/2022 requires a lawful basis for
    processing, of which explicit consent is one (Pasal 20, docs/facts.md §5.3 [C]); here the
    basis is protecting the person's vital interests, the other basis Pasal 20 lists besides
    consent (the statute text, not itemised in facts.md: to be confirmed by the ministry's
    lawyers). Waiting for a "yes" while someone is being hurt is not acceptable; consent is
    asked later, when the person is safe, if a full report is made.
    """
    code = country_code(ctx)
    effects: list[Effect] = []
    data: dict[str, Any] = {}
    ref = ctx.data.get(states.REF)
    in_intake = states.flow_of(ctx.state.name) == states.INTAKE
    intake_fields = ctx.data.get(states.FIELDS) or {}
    reporter = str(intake_fields.get("reporter") or reporter_from_text(ctx.turn.text) or "self")
    pin = str(ctx.data.get(states.PIN) or "") if in_intake else ""
    existing = None if (in_intake and ref) else open_case(ctx)
    if in_intake and ref:
        # A report is already open: raise it instead of opening a second case, and keep the
        # intake so the person can come back to it once safe.
        effects.append(
            UpdateCase(
                reference=str(ref),
                fields={"critical_message": ctx.turn.text},
                urgency=Urgency.CRITICAL,
            )
        )
        data[states.PAUSED] = {"name": ctx.state.name, "data": _plain(ctx.data)}
    elif existing is not None:
        # The same person's case is still open: raise that one (one case, one officer).
        ref = existing.reference
        pin = (
            str(ctx.data.get(states.LAST_PIN) or "")
            if ctx.data.get(states.LAST_REF) == ref
            else ""
        )
        effects.append(
            UpdateCase(
                reference=ref, fields={"critical_message": ctx.turn.text}, urgency=Urgency.CRITICAL
            )
        )
    else:
        ref = ctx.deps.new_reference()
        pin = ctx.deps.new_pin()
        fields: dict[str, Any] = {states.FIRST_MESSAGE: ctx.turn.text, "reporter": reporter}
        if code:
            fields["country"] = code
        if name := name_from_text(ctx.turn.text):
            fields["worker_name"] = name  # the queue's "who" column (flows.casefile)
        if ctx.turn.location is not None:
            fields[_field("location", reporter)] = _location(ctx)
        effects.append(
            OpenCase(
                reference=ref,
                intent=complaint_intent(ctx),
                urgency=Urgency.CRITICAL,
                urgency_reasons=ctx.turn.parse.urgency_reasons,
                reporter=reporter,
                fields=fields,
                pin=pin,
            )
        )
        if states.flow_of(ctx.state.name) in (states.INTAKE, states.JOBCHECK):
            data[states.PAUSED] = {"name": ctx.state.name, "data": _plain(ctx.data)}
    data.update(
        {
            states.REF: ref,
            states.LAST_REF: ref,
            states.LAST_PIN: pin or ctx.data.get(states.LAST_PIN),
            states.COUNTRY_CODE: code,
            states.REPORTER: reporter,
        }
    )
    # The PIN now, not at the end: the worker who writes that her phone is about to be taken
    # most needs to be able to check the case from another phone.
    key = "critical_self_harm" if self_harm(ctx) else _who_key("critical", reporter)
    first = Reply(
        t(key, ctx.lang, ref=ref, lines=emergency_lines(ctx, code))
        + ("\n" + t("critical_pin", ctx.lang, pin=pin) if pin else ""),
        secret=pin or None,
    )
    replies = (
        first,
        Reply(t(_who_key("q.safe_now", reporter), ctx.lang), _safe_buttons(ctx.lang)),
    )
    return finish(ctx, replies, states.CRITICAL_ASK_SAFE, data, effects)


def _who_key(key: str, reporter: str) -> str:
    """The question about the person writing, or about the worker they write for."""
    return key if reporter == "self" else f"{key}.other"


def _field(name: str, reporter: str) -> str:
    """Answers about a worker reported by someone else are kept as the worker's, not theirs."""
    return name if reporter == "self" else f"worker_{name}"


def _plain(data: Any) -> Any:
    """A JSON-safe copy of state data without the transient keys."""
    return {k: v for k, v in dict(data).items() if k not in (states.BUTTONS, states.PAUSED)}


def _location(ctx: Ctx) -> dict[str, Any]:
    loc = ctx.turn.location
    assert loc is not None  # noqa: S101 - callers check; keeps mypy precise
    return {"latitude": loc.latitude, "longitude": loc.longitude, "label": loc.label}


_SAFE_WORDS = frozenset(
    [
        "aman",
        "ya",
        "iya",
        "yes",
        "safe",
        "aman kok",
        "sudah aman",
        "i am safe",
        "im safe",
        "aman skrg",
    ]
)


def critical_step(ctx: Ctx) -> TurnResult:
    """Handle the answers to "are you safe now?" and "where are you?" (about the worker, when
    someone else reports)."""
    ref = str(ctx.data.get(states.REF, ""))
    reporter = str(ctx.data.get(states.REPORTER) or "self")
    keep = {
        k: ctx.data[k] for k in (states.REF, states.COUNTRY_CODE, states.REPORTER) if k in ctx.data
    }
    if ctx.state.name == states.CRITICAL_ASK_SAFE:
        answer = ctx.payload
        if answer is None:
            # The dispatcher judged the reply as the answer to "are you safe?" (nlu.urgency):
            # "belum", "not sure", "aman tp nanti malam dia pulang" come back critical.
            if ctx.turn.parse.urgency is Urgency.CRITICAL:
                answer = "safe:no"
            elif ctx.text in _SAFE_WORDS:
                answer = "safe:yes"
        value = {"safe:yes": "yes", "safe:no": "no", "safe:cant_talk": "cant_talk"}.get(
            answer or "", ctx.turn.text
        )
        effects: list[Effect] = [
            UpdateCase(reference=ref, fields={_field("safe_now", reporter): value})
        ]
        if value == "cant_talk":
            effects.append(UpdateCase(reference=ref, fields={"safe_to_call": "no"}))
            return _last(ctx, reporter, keep, effects, "critical_cant_talk")
        if ctx.turn.location is not None:
            location = {_field("location", reporter): _location(ctx)}
            effects.append(UpdateCase(reference=ref, fields=location))
            return _last(ctx, reporter, keep, effects)
        pin = t("share_pin", ctx.lang) if LOCATION in ctx.turn.features else ""
        question = t(_who_key("q.where", reporter), ctx.lang, pin=pin)
        return finish(
            ctx,
            [Reply(question, (btn("btn.skip", "skip", ctx.lang),))],
            states.CRITICAL_ASK_WHERE,
            keep,
            effects,
        )
    if ctx.state.name == states.CRITICAL_ASK_REPORTER:
        return _done(ctx, [Reply(t("critical_done", ctx.lang))], _reporter_answer(ctx, ref))
    # critical:ask_where
    if ctx.turn.location is not None:
        where: Any = _location(ctx)
    elif ctx.payload == "skip":
        where = None
    else:
        where = ctx.turn.text
    effects = (
        [UpdateCase(reference=ref, fields={_field("location", reporter): where})] if where else []
    )
    return _last(ctx, reporter, keep, effects)


def _last(
    ctx: Ctx,
    reporter: str,
    keep: dict[str, Any],
    effects: list[Effect],
    done: str = "critical_done",
) -> TurnResult:
    """End the critical questions; someone writing for a worker is asked who they are first.

    Their name and number in one question: the officer calls them back, not the worker whose
    phone may be watched.
    """
    if reporter == "self":
        return _done(ctx, [Reply(t(done, ctx.lang))], effects)
    key = "q.reporter_who_phone" if PHONE in ctx.turn.features else "q.reporter_who"
    return finish(
        ctx,
        [Reply(t(key, ctx.lang), (btn("btn.skip", "skip", ctx.lang),))],
        states.CRITICAL_ASK_REPORTER,
        keep,
        effects,
    )


# A phone number as people type it ("0812 3456 7890", "+886-912-345-678"): kept as written.
PHONE_NUMBER = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def _reporter_answer(ctx: Ctx, ref: str) -> list[Effect]:
    """ "Bu Sumiati, ibunya, 0812 3456 7890": the reporter's name and number, as typed."""
    if ctx.payload == "skip" or not ctx.turn.text.strip():
        return []
    text = ctx.turn.text.strip()
    fields: dict[str, Any] = {"reporter_name": text}
    if found := PHONE_NUMBER.search(text):
        fields["reporter_contact"] = found.group(0).strip()
        rest = (text[: found.start()] + text[found.end() :]).strip(" ,.;-")
        fields["reporter_name"] = rest or text
    return [UpdateCase(reference=ref, fields=fields)]


def _done(ctx: Ctx, replies: list[Reply], effects: list[Effect]) -> TurnResult:
    """Back to idle; offer to continue a report that the emergency interrupted."""
    paused = ctx.data.get(states.PAUSED)
    if paused:
        replies[-1] = Reply(replies[-1].text, (btn("btn.resume", "resume", ctx.lang),))
    return finish(ctx, replies, states.IDLE, {}, effects)
