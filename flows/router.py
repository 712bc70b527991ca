"""``run_turn``: the single entry point of the conversation logic.

The order of the checks is the safety policy, so it is spelt out here rather than spread over
the flows:

1. While an operator owns the conversation (``handoff:active``) the bot is silent, except that
   a critical message still gets the emergency numbers and raises the case's urgency.
2. A critical message skips everything else (forms, FAQ, consent) and takes the critical path.
3. Commands that work anywhere: language switch, "talk to a person", cancel.
4. The active multi-step flow (intake, critical questions, job-offer checker, status lookup).
5. Otherwise route by the button pressed, then by the NLU's intent kind.

Other public functions are what the dispatcher sends outside a turn: the hand-back message, case
status replies, operators' status changes, and the fallback when anything crashes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flows import faq, intake, jobcheck, status
from flows.common import Ctx, btn, finish, main_menu, norm, resolve_payload
from flows.safety import complaint_intent, country_code, critical_step, emergency_lines
from flows.safety import start_critical as _start_critical
from flows.texts import LANGS, NATIONAL_LINES, lang_of, t
from flows.types import (
    CaseSummary,
    ConversationState,
    Effect,
    FlowDeps,
    OpenCase,
    Reply,
    RequestHandoff,
    TurnResult,
    UserTurn,
)
from nlu.types import COMPLAINT_INTENTS, FAQ_INTENTS, Urgency

HANDOFF_STATE = "handoff:active"
GIBBERISH_CONFIDENCE = 0.4
# Typed commands. Exact (normalised) matches only, so an answer such as an employer's name is
# never mistaken for a command.
_LANG_EN = frozenset(["english", "in english", "english please", "en", "lang en", "eng"])
_LANG_ID = frozenset(
    ["bahasa indonesia", "indonesia", "indonesian", "id", "lang id", "pakai bahasa indonesia"]
)
_LANG_ASK = frozenset(["language", "bahasa", "ganti bahasa", "lang", "change language"])
_HUMAN = frozenset(
    [
        "petugas",
        "operator",
        "admin",
        "human",
        "agent",
        "manusia",
        "bicara dengan petugas",
        "talk to a person",
        "talk to a human",
    ]
)
_MENU = frozenset(["menu", "mulai", "start", "help", "bantuan", "home"])
_REPORT = frozenset(["lapor", "report", "mau lapor", "pengaduan", "adu", "complaint"])
_JOBCHECK = frozenset(["cek tawaran", "cek lowongan", "check job offer", "check offer"])


# --- what the dispatcher sends outside a turn -----------------------------------------


def handback_reply(language: str | None) -> Reply:
    """Sent when an operator hands the conversation back to the bot."""
    lang = lang_of(language)
    return Reply(t("handed_back", lang), main_menu(lang))


def render_case_status(summary: CaseSummary | None, language: str | None) -> Reply:
    """The answer to a status request (``None``: unknown reference or wrong PIN)."""
    return status.render(summary, lang_of(language))


def status_change_reply(summary: CaseSummary, language: str | None) -> Reply:
    """Sent to the worker when an operator changes their case's status."""
    return status.status_changed(summary, lang_of(language))


def safety_fallback_reply(language: str | None) -> Reply:
    """What the dispatcher sends if anything crashes: sorry, a person will see it, the lines.

    Built from constants only, so it cannot fail the way the crashed code did.
    """
    lang = lang_of(language)
    return Reply(t("safety_fallback", lang, lines=NATIONAL_LINES[lang]))


# --- the turn ---------------------------------------------------------------------------


def reply_language(turn: UserTurn, state: ConversationState) -> str:
    """Reply in the language the person chose; otherwise follow the language they write in.

    A short message ("ok", "1") says little about the language, and neither does an answer in
    the middle of a form ("PT Maju Jaya"), so the stored language is kept in those cases.
    """
    if state.data.get("lang_chosen") and state.language in LANGS:
        return str(state.language)
    detected = turn.parse.language
    if state.language not in LANGS:
        return lang_of(detected)
    if (
        turn.payload is None
        and state.name == "idle"  # a form answer (a name, a company) says nothing of language
        and len(turn.text.split()) >= 3
        and detected in ("id", "en", "jv", "su", "ms")
    ):
        return lang_of(detected)
    return lang_of(state.language)


def run_turn(turn: UserTurn, state: ConversationState, deps: FlowDeps) -> TurnResult:
    """Handle one inbound message: replies, the new state and the effects to apply.

    Pure: no I/O, no clock other than ``deps.now``, no randomness other than ``deps``.
    """
    ctx = Ctx(
        turn=turn,
        state=state,
        deps=deps,
        lang=reply_language(turn, state),
        payload=resolve_payload(turn, state),
        text=norm(turn.text),
    )
    # A pressed button's title ("Tidak aman") says nothing new about danger: only what the
    # person typed can make a turn critical.
    critical = turn.parse.urgency is Urgency.CRITICAL and ctx.payload is None

    if state.name == HANDOFF_STATE:
        return _while_operator(ctx, critical=critical)
    if critical and not state.name.startswith("critical:"):
        return _start_critical(ctx)

    switched = _language_command(ctx)
    if switched is not None:
        return switched
    if (
        ctx.payload == "handoff"
        or ctx.text in _HUMAN
        or (ctx.payload is None and turn.parse.intent.name == "handoff.human")
    ):
        return handoff(ctx)
    if ctx.payload == "cancel" or intake.is_cancel(ctx):
        return _cancel(ctx)

    active = _active_flow(ctx)
    if active is not None:
        return active
    return _route_idle(ctx)


def _while_operator(ctx: Ctx, *, critical: bool) -> TurnResult:
    """An operator owns the conversation: stay silent unless the message is critical."""
    if not critical:
        return TurnResult(replies=(), new_state=ctx.state)
    code = country_code(ctx)
    ref = ctx.data.get("ref")
    # Without a known reference the dispatcher attaches this to the conversation's open case
    # (or opens one); either way the urgency is raised and the on-duty team alerted.
    effects: list[Effect] = [
        RequestHandoff(
            reason="critical message during handoff",
            urgency=Urgency.CRITICAL,
            reference=str(ref) if ref else None,
        )
    ]
    reply = Reply(t("critical_again", ctx.lang, lines=emergency_lines(ctx, code)))
    data = dict(ctx.data)
    return TurnResult(
        replies=(reply,),
        new_state=ConversationState(name=HANDOFF_STATE, data=data, language=ctx.state.language),
        effects=tuple(effects),
    )


def handoff(ctx: Ctx) -> TurnResult:
    """Put the conversation in the command-centre queue; the bot goes quiet."""
    ref = ctx.data.get("ref") if ctx.state.name.startswith(("intake:", "critical:")) else None
    urgency = ctx.turn.parse.urgency.at_least(Urgency.NORMAL)
    if ctx.state.name.startswith("critical:"):
        urgency = Urgency.CRITICAL
    effect = RequestHandoff(
        reason="user asked for a person", urgency=urgency, reference=str(ref) if ref else None
    )
    reply = Reply(t("handoff", ctx.lang, lines=emergency_lines(ctx, country_code(ctx))))
    data: dict[str, Any] = {"ref": ref} if ref else {}
    return finish(ctx, [reply], HANDOFF_STATE, data, [effect])


def _language_command(ctx: Ctx) -> TurnResult | None:
    """Switch the reply language on a button or a typed command; re-ask any open question."""
    target: str | None = None
    if ctx.payload and ctx.payload.startswith("lang:"):
        target = ctx.payload.split(":", 1)[1]
    elif ctx.text in _LANG_EN:
        target = "en"
    elif ctx.text in _LANG_ID:
        target = "id"
    elif ctx.text in _LANG_ASK:
        reply = Reply(
            t("lang_choose", ctx.lang),
            (btn("btn.lang", "lang:en", "id"), btn("btn.lang", "lang:id", "en")),
        )
        return finish(ctx, [reply], ctx.state.name, _own_data(ctx))
    if target not in LANGS:
        return None
    state = ConversationState(
        name=ctx.state.name, data={**ctx.data, "lang_chosen": True}, language=target
    )
    new = replace(ctx, state=state, lang=target)
    pre = [Reply(t("lang_set", target))]
    if state.name.startswith("intake:"):
        return intake.reask(new, pre)
    if state.name.startswith("jobcheck:"):
        return jobcheck.reask(new, pre)
    return finish(new, [*pre, Reply(t("menu", target), main_menu(target))], "idle", {})


def _own_data(ctx: Ctx) -> dict[str, Any]:
    return {k: v for k, v in ctx.data.items() if k != "_buttons"}


def _cancel(ctx: Ctx) -> TurnResult:
    if ctx.state.name.startswith("intake:"):
        return intake.cancel(ctx)
    if ctx.state.name == "idle" or ctx.state.name.startswith("critical:"):
        if ctx.state.name.startswith("critical:"):
            # Nothing is cancelled on the critical path: the case stays open for responders.
            return critical_step(ctx)
        return finish(ctx, [Reply(t("nothing_to_cancel", ctx.lang), main_menu(ctx.lang))], "idle")
    return finish(
        ctx, [Reply(t("stopped", ctx.lang), main_menu(ctx.lang))], "idle", {"paused": None}
    )


def _active_flow(ctx: Ctx) -> TurnResult | None:
    name = ctx.state.name
    if name.startswith("critical:"):
        return critical_step(ctx)
    if name.startswith("intake:"):
        if name == "intake:consent":
            return intake.consent_step(ctx)
        if name != "intake:resume":
            back = intake.maybe_welcome_back(ctx)
            if back is not None:
                return back
        return intake.step(ctx)
    if name.startswith("jobcheck:"):
        done = jobcheck.step(ctx)
        if done is not None:
            return done
        if (
            ctx.payload is None
            and ctx.turn.parse.intent.confidence >= 0.6
            and (ctx.turn.parse.kind in ("complaint", "faq"))
        ):
            return None  # a real question or complaint: leave the checker and answer it
        return jobcheck.reask(ctx, [Reply(t("pick_button", ctx.lang))])
    if name == "status:ask_ref":
        return status.ask_ref_step(ctx)
    if name == "tip:ask":
        return _tip(ctx)
    return None


def _route_idle(ctx: Ctx) -> TurnResult:
    p = ctx.payload or ""
    parse = ctx.turn.parse
    if p == "menu" or (not p and ctx.text in _MENU):
        return finish(ctx, [Reply(t("menu", ctx.lang), main_menu(ctx.lang))], "idle")
    if p == "report" or (not p and ctx.text in _REPORT):
        return intake.start(ctx)
    if p.startswith("report:") and p.split(":", 1)[1] in COMPLAINT_INTENTS:
        return intake.start(ctx, intent=p.split(":", 1)[1])
    if p == "info":
        return faq.topics(ctx)
    if p.startswith("topic:") and p.split(":", 1)[1] in FAQ_INTENTS:
        return faq.topic(ctx, p.split(":", 1)[1])
    if p.startswith("faq:"):
        return faq.show_article(ctx, p.split(":", 1)[1])
    if p == "jobcheck" or (not p and ctx.text in _JOBCHECK):
        return jobcheck.start(ctx)
    if p == "status" or status.is_status_request(ctx.turn.text) or status.mentioned_case(ctx):
        return status.start(ctx)
    if p == "tip":
        return finish(
            ctx,
            [Reply(t("tip_ask", ctx.lang), (btn("btn.cancel", "cancel", ctx.lang),))],
            "tip:ask",
        )
    if p in ("resume", "continue") and ctx.data.get("paused"):
        return _resume(ctx)

    kind = parse.kind
    if (ctx.turn.media or ctx.turn.location) and not ctx.turn.text.strip():
        # A photo, voice note or pin with no words: don't answer "I don't understand".
        offer = (btn("btn.report", "report", ctx.lang), btn("btn.human", "handoff", ctx.lang))
        return finish(ctx, [Reply(t("media_idle", ctx.lang), offer)], "idle")
    if kind == "complaint":
        return intake.start(ctx)
    if kind == "faq":
        return faq.answer(ctx, intent=parse.intent.name)
    if kind == "smalltalk":
        key = {"smalltalk.thanks": "thanks", "smalltalk.goodbye": "goodbye"}.get(
            parse.intent.name, "greeting"
        )
        buttons = main_menu(ctx.lang) if key == "greeting" else ()
        return finish(ctx, [Reply(t(key, ctx.lang), buttons)], "idle")
    if parse.language == "und" or parse.intent.confidence < GIBBERISH_CONFIDENCE:
        return finish(ctx, [Reply(t("gibberish", ctx.lang), main_menu(ctx.lang))], "idle")
    return finish(
        ctx,
        [Reply(t("out_of_scope", ctx.lang), (btn("btn.menu", "menu", ctx.lang),))],
        "idle",
    )


def _resume(ctx: Ctx) -> TurnResult:
    """Go back to the report an emergency interrupted."""
    paused = dict(ctx.data.get("paused") or {})
    data = {**paused.get("data", {}), "lang_chosen": ctx.data.get("lang_chosen", False)}
    state = ConversationState(name=str(paused.get("name", "idle")), data=data, language=ctx.lang)
    new = replace(ctx, state=state)
    if state.name.startswith("intake:"):
        return intake.reask(new, [])
    if state.name.startswith("jobcheck:"):
        return jobcheck.reask(new, [])
    return finish(new, [Reply(t("menu", ctx.lang), main_menu(ctx.lang))], "idle")


def _tip(ctx: Ctx) -> TurnResult:
    """An anonymous tip from someone who declined consent: no name, no PIN, no follow-up."""
    ref = ctx.deps.new_reference()
    intent = complaint_intent(ctx)
    effect = OpenCase(
        reference=ref,
        intent=intent if intent != "complaint.other" else "complaint.trafficking",
        urgency=ctx.turn.parse.urgency.at_least(Urgency.NORMAL),
        urgency_reasons=ctx.turn.parse.urgency_reasons,
        reporter="other",
        fields={"anonymous_tip": True, "tip": ctx.turn.text},
    )
    reply = Reply(t("tip_thanks", ctx.lang, ref=ref), main_menu(ctx.lang)[1:3])
    return finish(ctx, [reply], "idle", {}, [effect])
