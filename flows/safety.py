"""The critical path: when someone's life or safety is at risk, skip every form.

A critical message opens a case at once (the dispatcher alerts the on-duty team), the person
immediately gets the emergency numbers for their country and the Indonesian mission's hotline,
and then only the two questions that help responders: are you safe now, and where are you.
"""

from __future__ import annotations

from typing import Any

from flows import states
from flows.common import Ctx, btn, finish
from flows.texts import NATIONAL_LINES, t
from flows.types import Effect, OpenCase, Reply, TurnResult, UpdateCase
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
    if states.flow_of(ctx.state.name) == states.INTAKE and ref:
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
    else:
        ref = ctx.deps.new_reference()
        pin = ctx.deps.new_pin()
        fields: dict[str, Any] = {states.FIRST_MESSAGE: ctx.turn.text}
        if code:
            fields[states.COUNTRY_CODE] = code
        if ctx.turn.location is not None:
            fields["location"] = _location(ctx)
        effects.append(
            OpenCase(
                reference=ref,
                intent=complaint_intent(ctx),
                urgency=Urgency.CRITICAL,
                urgency_reasons=ctx.turn.parse.urgency_reasons,
                reporter="self",
                fields=fields,
                pin=pin,
            )
        )
        data[states.LAST_PIN] = pin
        if states.flow_of(ctx.state.name) in (states.INTAKE, states.JOBCHECK):
            data[states.PAUSED] = {"name": ctx.state.name, "data": _plain(ctx.data)}
    data.update({states.REF: ref, states.LAST_REF: ref, states.COUNTRY_CODE: code})
    replies = (
        Reply(
            t(
                "critical_self_harm" if self_harm(ctx) else "critical",
                ctx.lang,
                ref=ref,
                lines=emergency_lines(ctx, code),
            )
        ),
        Reply(t("q.safe_now", ctx.lang), _safe_buttons(ctx.lang)),
    )
    return finish(ctx, replies, states.CRITICAL_ASK_SAFE, data, effects)


def _plain(data: Any) -> Any:
    """A JSON-safe copy of state data without the transient keys."""
    return {k: v for k, v in dict(data).items() if k not in (states.BUTTONS, states.PAUSED)}


def _location(ctx: Ctx) -> dict[str, Any]:
    loc = ctx.turn.location
    assert loc is not None  # noqa: S101 - callers check; keeps mypy precise
    return {"latitude": loc.latitude, "longitude": loc.longitude, "label": loc.label}


def critical_step(ctx: Ctx) -> TurnResult:
    """Handle the answers to "are you safe now?" and "where are you?"."""
    ref = str(ctx.data.get(states.REF, ""))
    keep = {k: ctx.data[k] for k in (states.REF, states.COUNTRY_CODE) if k in ctx.data}
    if ctx.state.name == states.CRITICAL_ASK_SAFE:
        answer = ctx.payload
        if answer is None:
            low = ctx.text
            answer = "safe:yes" if low in ("aman", "ya", "yes", "safe") else None
            answer = answer or ("safe:no" if low in ("tidak", "tidak aman", "no") else None)
        value = {"safe:yes": "yes", "safe:no": "no", "safe:cant_talk": "cant_talk"}.get(
            answer or "", ctx.turn.text
        )
        effects: list[Effect] = [UpdateCase(reference=ref, fields={"safe_now": value})]
        if value == "cant_talk":
            effects.append(UpdateCase(reference=ref, fields={"safe_to_call": "no"}))
            return _done(ctx, [Reply(t("critical_cant_talk", ctx.lang))], effects)
        if ctx.turn.location is not None:
            effects.append(UpdateCase(reference=ref, fields={"location": _location(ctx)}))
            return _done(ctx, [Reply(t("critical_done", ctx.lang))], effects)
        return finish(
            ctx,
            [Reply(t("q.where", ctx.lang), (btn("btn.skip", "skip", ctx.lang),))],
            states.CRITICAL_ASK_WHERE,
            keep,
            effects,
        )
    # critical:ask_where
    if ctx.turn.location is not None:
        where: Any = _location(ctx)
    elif ctx.payload == "skip":
        where = None
    else:
        where = ctx.turn.text
    effects = [UpdateCase(reference=ref, fields={"location": where})] if where else []
    return _done(ctx, [Reply(t("critical_done", ctx.lang))], effects)


def _done(ctx: Ctx, replies: list[Reply], effects: list[Effect]) -> TurnResult:
    """Back to idle; offer to continue a report that the emergency interrupted."""
    paused = ctx.data.get(states.PAUSED)
    if paused:
        replies[-1] = Reply(replies[-1].text, (btn("btn.resume", "resume", ctx.lang),))
    return finish(ctx, replies, states.IDLE, {}, effects)
