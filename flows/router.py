"""``run_turn``: the single entry point of the conversation logic.

The order of the checks is the safety policy, so it is spelt out here rather than spread over
the flows:

1. While an operator owns the conversation (``handoff:active``) the bot is silent, except that
   a critical message still gets the emergency numbers and raises the case's urgency.
2. A critical message skips everything else (forms, FAQ, consent) and takes the critical path.
3. Commands that work anywhere: language switch, "talk to a person", cancel.
4. The active multi-step flow (intake, critical questions, job-offer checker, status lookup).
5. Otherwise route by the button pressed, then by the NLU's intent kind.

Safety advisories' STOP (``flows.advisory``) is recorded at any point but a critical message.

Other public functions are what the gateway and the console send outside a turn: the hand-back
message, case status replies, operators' status changes, and the fallback when anything crashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from flows import advisory, faq, handoff, intake, jobcheck, privacy, states, status, tip
from flows.common import CANCEL, Ctx, btn, finish, main_menu, norm, resolve_payload
from flows.safety import critical_step, open_case, start_critical
from flows.texts import LANGS, NATIONAL_LINES, lang_of, t
from flows.types import (
    CaseSummary,
    ConversationState,
    FlowDeps,
    Reply,
    TurnResult,
    UpdateCase,
    UserTurn,
)
from nlu.types import COMPLAINT_INTENTS, FAQ_INTENTS, Urgency

GIBBERISH_CONFIDENCE = 0.4
# Typed commands. Exact (normalised) matches only, so an answer such as an employer's name is
# never mistaken for a command.
_LANG_EN = frozenset(["english", "in english", "english please", "en", "lang en", "eng"])
_LANG_ID = frozenset(
    ["bahasa indonesia", "indonesia", "indonesian", "id", "lang id", "pakai bahasa indonesia"]
)
# "bahasa indonesia aja", "pake bahasa inggris dong", "english please": a language command,
# however it is padded.
_LANG_TYPED = re.compile(
    r"^(?:(?:pake|pakai|pakek|use|in|dengan|ganti|ganti ke|balas|bales)\s+)?(?:bahasa\s+)?"
    r"(?P<lang>indonesia|indo|indonesian|inggris|english|eng)"
    r"(?:\s+(?:aja|saja|ya|yah|dong|please|pls|plz|only|kak|min))*$"
)
# Openers that announce a question ("sy mau tanya", "boleh nanya?"): invite it, do not start
# a report or answer "out of scope".
_ASK_OPENER = re.compile(
    r"^(?:halo\s+|hai\s+|permisi\s+|kak\s+|min\s+)?(?:saya\s+|sy\s+|aku\s+|mau\s+)*"
    r"(?:mau|ingin|pengen|boleh|numpang|izin|nak|arep|bade|can i|may i|i want to|i wanna)?\s*"
    r"(?:tanya|nanya|bertanya|takon|naros|ask|ask something|ask a question)"
    r"(?:\s+(?:dong|kak|min|ya|sedikit|sesuatu|boleh|gak|tidak|nih|please))*$"
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


# --- what the gateway and the console send outside a turn ---------------------------


def welcome_reply(language: str | None) -> Reply:
    """The greeting a channel can show before the person wrote anything (the web chat's page).

    The same words and menu as the answer to "halo"; the caller stores nothing, so opening
    the page creates no conversation.
    """
    lang = lang_of(language)
    return Reply(t("greeting", lang), main_menu(lang))


def handback_reply(language: str | None) -> Reply:
    """Sent when an operator hands the conversation back to the bot."""
    lang = lang_of(language)
    return Reply(t("handed_back", lang), main_menu(lang))


def render_case_status(
    summary: CaseSummary | None, language: str | None, locked: bool = False
) -> Reply:
    """The answer to a status request (``None``: unknown reference or wrong PIN; ``locked``:
    too many wrong tries, refused without checking)."""
    if locked:
        return status.locked(lang_of(language))
    return status.render(summary, lang_of(language))


def status_change_reply(summary: CaseSummary, language: str | None) -> Reply:
    """Sent to the worker when an operator changes their case's status."""
    return status.status_changed(summary, lang_of(language))


def referral_reply(reference: str, partner: str, language: str | None) -> Reply:
    """Sent to the worker when an operator refers their case to a partner (by name only)."""
    lang = lang_of(language)
    return Reply(
        t("case_referred", lang, ref=reference, partner=partner),
        (btn("btn.status", "status", lang),),
    )


def safety_fallback_reply(language: str | None) -> Reply:
    """What the safety net (``bot.effects``) sends if anything crashes: a person will read it.

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
    if state.data.get(states.LANG_CHOSEN) and state.language in LANGS:
        return str(state.language)
    detected = turn.parse.language
    if state.language not in LANGS:
        return lang_of(detected)
    if (
        turn.payload is None
        and state.name == states.IDLE  # a form answer (a name, a company) says nothing of language
        and len(turn.text.split()) >= 3
        and detected in ("id", "en", "jv", "su", "ms")
    ):
        return lang_of(detected)
    return lang_of(state.language)


@dataclass(frozen=True, slots=True)
class Flow:
    """A multi-step flow, as the router drives it.

    ``turn`` takes the message while the flow is active (None: it is not an answer, route it
    as if idle); ``reask`` asks the open question again (after a language switch, or when the
    person resumes a form an emergency interrupted); ``cancel`` is what "batal" does.
    """

    turn: Callable[[Ctx], TurnResult | None]
    cancel: Callable[[Ctx], TurnResult]
    reask: Callable[[Ctx, list[Reply]], TurnResult] | None = None


def _stop(ctx: Ctx) -> TurnResult:
    """Leave a flow that keeps nothing worth withdrawing."""
    return finish(
        ctx,
        [Reply(t("stopped", ctx.lang), main_menu(ctx.lang))],
        states.IDLE,
        {states.PAUSED: None},
    )


# The flows a conversation can be in, by the prefix of the state name (flows.states.flow_of).
FLOWS: dict[str, Flow] = {
    # Nothing is cancelled on the critical path: the case stays open for responders.
    states.CRITICAL: Flow(turn=critical_step, cancel=critical_step),
    states.INTAKE: Flow(turn=intake.turn, cancel=intake.cancel, reask=intake.reask),
    states.JOBCHECK: Flow(turn=jobcheck.turn, cancel=_stop, reask=jobcheck.reask),
    states.STATUS: Flow(turn=status.ask_ref_step, cancel=_stop),
    states.TIP: Flow(turn=tip.take, cancel=_stop),
    privacy.PRIVACY: Flow(turn=privacy.confirm_step, cancel=privacy.cancel),
}


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
    flow = states.flow_of(state.name)

    if handoff.is_handed_off(state):
        if advisory.is_stop(ctx) and not critical:  # recorded and confirmed even now
            return advisory.stop(ctx)
        return handoff.while_operator(ctx, critical=critical)
    if critical and flow != states.CRITICAL:
        return start_critical(ctx)

    switched = _language_command(ctx)
    if switched is not None:
        return switched
    if ctx.payload is None and privacy.is_clear_phone_request(turn.text):
        return privacy.clear_phone(ctx)
    if ctx.payload == "erase" or (
        ctx.payload is None and flow != privacy.PRIVACY and privacy.is_erasure_request(turn.text)
    ):
        return privacy.ask(ctx)
    if advisory.is_stop(ctx):
        cancels = ctx.text in CANCEL and flow in FLOWS and flow != states.CRITICAL
        return advisory.stop(ctx, FLOWS[flow].cancel(ctx) if cancels else None)
    answered = advisory.answer(ctx)
    if answered is not None:
        return answered
    if (
        ctx.payload == "handoff"
        or ctx.text in _HUMAN
        or (ctx.payload is None and turn.parse.intent.name == "handoff.human")
    ):
        return handoff.request(ctx)
    if ctx.payload == "cancel" or intake.is_cancel(ctx):
        if flow in FLOWS:
            return FLOWS[flow].cancel(ctx)
        return finish(
            ctx, [Reply(t("nothing_to_cancel", ctx.lang), main_menu(ctx.lang))], states.IDLE
        )
    if flow in FLOWS:
        active = FLOWS[flow].turn(ctx)
        if active is not None:
            if (
                flow == states.INTAKE
                and ctx.data.get(intake.SUBMITTED)
                and states.flow_of(active.new_state.name) != states.INTAKE
            ):
                return advisory.after_report(ctx, active)
            return active
    return _route_idle(ctx)


def _language_command(ctx: Ctx) -> TurnResult | None:
    """Switch the reply language on a button or a typed command; re-ask any open question."""
    target: str | None = None
    if ctx.payload and ctx.payload.startswith("lang:"):
        target = ctx.payload.split(":", 1)[1]
    elif ctx.text in _LANG_EN:
        target = "en"
    elif ctx.text in _LANG_ID:
        target = "id"
    elif ctx.payload is None and (typed := _LANG_TYPED.match(ctx.text)) is not None:
        target = "id" if typed.group("lang") in ("indonesia", "indo", "indonesian") else "en"
    elif ctx.text in _LANG_ASK:
        reply = Reply(
            t("lang_choose", ctx.lang),
            (btn("btn.lang", "lang:en", "id"), btn("btn.lang", "lang:id", "en")),
        )
        return finish(ctx, [reply], ctx.state.name, _own_data(ctx))
    if target not in LANGS:
        return None
    state = ConversationState(
        name=ctx.state.name, data={**ctx.data, states.LANG_CHOSEN: True}, language=target
    )
    new = replace(ctx, state=state, lang=target)
    return _reask(new, [Reply(t("lang_set", target))])


def _reask(ctx: Ctx, pre: list[Reply]) -> TurnResult:
    """Ask the open question of the current flow again, or show the menu."""
    flow = FLOWS.get(states.flow_of(ctx.state.name))
    if flow is not None and flow.reask is not None:
        return flow.reask(ctx, pre)
    return finish(ctx, [*pre, Reply(t("menu", ctx.lang), main_menu(ctx.lang))], states.IDLE, {})


def _own_data(ctx: Ctx) -> dict[str, object]:
    return {k: v for k, v in ctx.data.items() if k != states.BUTTONS}


def _route_idle(ctx: Ctx) -> TurnResult:
    p = ctx.payload or ""
    parse = ctx.turn.parse
    if p == "menu" or (not p and ctx.text in _MENU):
        return finish(ctx, [Reply(t("menu", ctx.lang), main_menu(ctx.lang))], states.IDLE)
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
        return tip.start(ctx)
    if p in ("resume", "continue") and ctx.data.get(states.PAUSED):
        return _resume(ctx)

    kind = parse.kind
    if not p and jobcheck.looks_like_offer(ctx.turn.text):
        # "kak ini loker aman gk? Dibutuhkan caregiver Taiwan…": check the pasted offer.
        return jobcheck.read_offer(ctx, ctx.turn.text)
    if not p and _ASK_OPENER.match(ctx.text):
        return faq.topics(ctx, intro=t("ask_away", ctx.lang))
    if kind == "complaint" and _just_a_question(ctx):
        # "gaji minimum di Taiwan berapa?": a question about wages is not a wage complaint;
        # answer it, and offer a report in case it is one.
        return faq.answer(ctx, intent=_best_faq(ctx), offer_report=True)
    if (ctx.turn.media or ctx.turn.location) and not ctx.turn.text.strip():
        # A photo, voice note or pin with no words: don't answer "I don't understand". A pin
        # is a place, not a file (issue 14).
        choices = (btn("btn.report", "report", ctx.lang), btn("btn.human", "handoff", ctx.lang))
        key = "location_idle" if ctx.turn.location and not ctx.turn.media else "media_idle"
        return finish(ctx, [Reply(t(key, ctx.lang), choices)], states.IDLE)
    if kind == "complaint" and (case := open_case(ctx)) is not None:
        return _add_to_case(ctx, case)
    if kind == "complaint":
        return intake.start(ctx)
    if kind == "faq":
        return faq.answer(ctx, intent=parse.intent.name)
    if kind == "smalltalk":
        key = {"smalltalk.thanks": "thanks", "smalltalk.goodbye": "goodbye"}.get(
            parse.intent.name, "greeting"
        )
        buttons = main_menu(ctx.lang) if key == "greeting" else ()
        return finish(ctx, [Reply(t(key, ctx.lang), buttons)], states.IDLE)
    if parse.language == "und" or parse.intent.confidence < GIBBERISH_CONFIDENCE:
        return finish(ctx, [Reply(t("gibberish", ctx.lang), main_menu(ctx.lang))], states.IDLE)
    return finish(
        ctx,
        [Reply(t("out_of_scope", ctx.lang), (btn("btn.menu", "menu", ctx.lang),))],
        states.IDLE,
    )


def _add_to_case(ctx: Ctx, case: CaseSummary) -> TurnResult:
    """More about a case still being handled goes to that case, not to a second one.

    The message is in the conversation the officer reads; a higher urgency raises the case.
    A new report stays one button away (the problem may really be another one).
    """
    raised = ctx.turn.parse.urgency
    effects = (
        [UpdateCase(reference=case.reference, urgency=raised)]
        if raised.rank > case.urgency.rank
        else []
    )
    buttons = (
        btn("btn.new_report", "report", ctx.lang),
        btn("btn.human", "handoff", ctx.lang),
        btn("btn.status", "status", ctx.lang),
    )
    reply = Reply(t("added_to_case", ctx.lang, ref=case.reference), buttons)
    return finish(ctx, [reply], states.IDLE, effects=effects)


# A complaint the classifier is this sure of starts a report even when it ends with a question
# ("gaji sy 3 bulan blm dibayar, harus lapor kemana?").
COMPLAINT_OVER_QUESTION = 0.7
_QUESTION_WORDS = re.compile(
    r"\b(?:berapa|bagaimana|gimana|apakah|apa|kapan|dimana|di mana|kemana|ke mana|bisakah|"
    r"bolehkah|how|what|when|where|which|is it|can i|piye|kumaha|sabaraha|brp)\b"
)


# Words of a general question about the rules ("gaji minimum taiwan brp"): a question even when
# the classifier is sure it is about wages.
_GENERAL = re.compile(
    r"\b(?:minimum|minimal|umr|ump|standar|standard|aturan|peraturan|syarat|prosedur|"
    r"ketentuan|resmi|legal|minimum wage|rules?)\b"
)


def _just_a_question(ctx: Ctx) -> bool:
    """A question the classifier took for a complaint, with no urgency in it."""
    parse = ctx.turn.parse
    asks = "?" in ctx.turn.text or _QUESTION_WORDS.search(ctx.text) is not None
    return (
        asks
        and parse.urgency.rank <= Urgency.NORMAL.rank
        and (
            parse.intent.confidence < COMPLAINT_OVER_QUESTION
            or _GENERAL.search(ctx.text) is not None
        )
    )


def _best_faq(ctx: Ctx) -> str:
    """The best-ranked FAQ intent for the message, or the complaint process by default."""
    for score in ctx.turn.parse.intent_ranking:
        if score.name in FAQ_INTENTS:
            return score.name
    return "faq.complaint_process"


def _resume(ctx: Ctx) -> TurnResult:
    """Go back to the report an emergency interrupted."""
    paused = dict(ctx.data.get(states.PAUSED) or {})
    data = {
        **paused.get("data", {}),
        states.LANG_CHOSEN: ctx.data.get(states.LANG_CHOSEN, False),
    }
    name = str(paused.get("name", states.IDLE))
    state = ConversationState(name=name, data=data, language=ctx.lang)
    return _reask(replace(ctx, state=state), [])
